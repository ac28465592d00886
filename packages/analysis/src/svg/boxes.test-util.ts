/**
 * Text boxes of an SVG as the layout estimates them (the font's average width per character),
 * for the unit tests: no two may intersect. The Chromium test checks the boxes the browser draws.
 */
import { textWidth } from "./layout.ts";
import type { Box } from "./scatter.ts";

const ATTR = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/** Every <text> element's estimated box, with its text. */
export function textBoxes(svg: string): { text: string; box: Box }[] {
  const out: { text: string; box: Box }[] = [];
  let inherited = 12;
  const root = /^<svg[^>]*font-size="(\d+)"/.exec(svg);
  if (root) inherited = Number(root[1]);
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const tag = m[1]!;
    const text = m[2]!
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
    const size = Number(ATTR(tag, "font-size") ?? inherited);
    const w = textWidth(text, size);
    const anchor = ATTR(tag, "text-anchor") ?? "start";
    const rotate = /rotate\((-?90)\)/.exec(tag);
    const translate = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(tag);
    if (rotate && translate) {
      // A y-axis label: vertical, centred on its translation.
      const cx = Number(translate[1]);
      const cy = Number(translate[2]);
      out.push({ text, box: { x0: cx - size / 2, x1: cx + size / 2, y0: cy - w / 2, y1: cy + w / 2 } });
      continue;
    }
    const x = Number(ATTR(tag, "x"));
    const y = Number(ATTR(tag, "y"));
    const central =
      ATTR(tag, "dominant-baseline") === "middle" || ATTR(tag, "dominant-baseline") === "central";
    const x0 = anchor === "middle" ? x - w / 2 : anchor === "end" ? x - w : x;
    const y0 = central ? y - size / 2 : y - size * 0.8;
    out.push({ text, box: { x0, x1: x0 + w, y0, y1: y0 + size } });
  }
  return out;
}

/** Pairs of texts whose boxes intersect by more than `slack` pixels each way. */
export function collisions(svg: string, slack = 1): string[] {
  const boxes = textBoxes(svg);
  const hits: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!.box;
      const b = boxes[j]!.box;
      if (a.x0 < b.x1 - slack && b.x0 < a.x1 - slack && a.y0 < b.y1 - slack && b.y0 < a.y1 - slack)
        hits.push(`"${boxes[i]!.text}" × "${boxes[j]!.text}"`);
    }
  return hits;
}
