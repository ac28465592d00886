/** Fits table columns into a terminal width: drops the least important first, then flexes one. */

export interface Column<K extends string = string> {
  key: K;
  width: number;
  /** Higher stays longer when space is short. */
  priority: number;
  /** Takes the width left over (at least `width`). */
  flex?: boolean;
  align?: "left" | "right";
}

/**
 * The columns that fit in `total` cells with one space between them, in their original order;
 * the flex column (if kept) grows to fill the rest.
 */
export function fitColumns<K extends string>(columns: readonly Column<K>[], total: number): Column<K>[] {
  const kept = [...columns];
  const used = (cs: readonly Column<K>[]) => cs.reduce((s, c) => s + c.width, 0) + Math.max(0, cs.length - 1);
  while (kept.length > 1 && used(kept) > total) {
    let drop = 0;
    kept.forEach((c, i) => {
      if (c.priority < kept[drop]!.priority) drop = i;
    });
    kept.splice(drop, 1);
  }
  const spare = Math.max(0, total - used(kept));
  return kept.map((c) => (c.flex ? { ...c, width: c.width + spare } : c));
}

/** First row to show so that `cursor` stays visible in a window of `height` rows, cursor kept centred-ish. */
export function scrollStart(length: number, cursor: number, height: number): number {
  if (height <= 0 || length <= height) return 0;
  const c = Math.max(0, Math.min(cursor, length - 1));
  return Math.max(0, Math.min(c - Math.floor(height / 2), length - height));
}
