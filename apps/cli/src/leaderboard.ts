import { CompareError, columnFormat, compare, decimalsFromSpread, fmtSigned } from "@mtl/analysis";
import { recordOf } from "@mtl/coordinator";
import type { Experiment } from "@mtl/spec";
import type { TrialRow } from "@mtl/store";
import { renderListing } from "./table.ts";

/**
 * The end-of-run leaderboard: the comparison's configurations (`compare`, the same rows, ranks
 * and Δm% as `mtl compare`, the dashboard and the report), ranked by the sweep objective on its
 * split, best first, then the single-task baselines.
 */
export function leaderboard(experiment: Experiment, trialRows: TrialRow[], limit = 15): string {
  if (!trialRows.some((t) => t.state === "completed")) return "No completed trials yet.";
  let cmp: ReturnType<typeof compare>;
  try {
    cmp = compare(
      trialRows.map((t) => recordOf(t)),
      experiment,
    );
  } catch (error) {
    if (error instanceof CompareError) return error.message;
    throw error;
  }
  const ranked = cmp.rows.filter((r) => r.rank !== null);
  const shown = [...ranked.slice(0, limit), ...cmp.rows.filter((r) => r.rank === null)];
  const header = ["#", "configuration", "seeds", ...cmp.objective.names.map((n) => `${n} (${cmp.split})`)];
  if (cmp.hasBaseline) header.push("Δm%");
  const objective = columnFormat(shown.flatMap((r) => r.objective ?? []));
  // Δm% to the digits its spread over seeds supports, as mtl compare prints it.
  const dms = cmp.rows.flatMap((r) => (r.deltaM ? [r.deltaM] : []));
  const dmDecimals = decimalsFromSpread(
    dms.map((c) => c.mean),
    dms.map((c) => c.std),
  );
  const rows = shown.map((r) => {
    const seeds =
      r.diverged.length > 0 ? `${r.seeds.length} (${r.diverged.length} diverged)` : r.seeds.length;
    const row: (string | number)[] = [r.rank ?? "—", r.label, seeds];
    cmp.objective.names.forEach((_, i) => {
      row.push(objective(r.objective?.[i]));
    });
    if (cmp.hasBaseline) row.push(r.deltaM ? fmtSigned(r.deltaM.mean, dmDecimals) : "—");
    return row;
  });
  const more = ranked.length > limit ? `\n… and ${ranked.length - limit} more configurations` : "";
  return `${renderListing(header, rows)}${more}`;
}
