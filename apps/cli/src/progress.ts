import { fmtDuration } from "@mtl/analysis";
import { isTerminal } from "@mtl/spec";
import type { Store, TrialRow } from "@mtl/store";
import { describeParams } from "./leaderboard.ts";
import { fmt } from "./table.ts";

/**
 * Plain progress lines (CI, pipes): one line per finished trial with the sweep's progress, ETA
 * and its final objective, plus one line when a trial starts.
 */
export class ProgressLines {
  private seen = new Map<number, string>();
  private finishedHere = 0;
  private readonly started = Date.now();

  constructor(
    private readonly store: Store,
    private readonly sweepId: number,
    private readonly total: () => number | undefined,
    private readonly write: (line: string) => void,
  ) {
    for (const t of store.trialsOf(sweepId)) if (isTerminal(t.state)) this.seen.set(t.id, t.state);
  }

  update(): void {
    const trials = this.store.trialsOf(this.sweepId);
    const done = trials.filter((t) => isTerminal(t.state)).length;
    const total = Math.max(this.total() ?? trials.length, trials.length);
    for (const t of trials) {
      if (this.seen.get(t.id) === t.state) continue;
      if (t.state === "running" && t.attempt > 0)
        this.write(
          `${this.prefix(done, total)} trial ${t.number} started on ${t.worker} (${this.describe(t)})`,
        );
      if (isTerminal(t.state)) this.finishedHere++;
      if (isTerminal(t.state))
        this.write(
          `${this.prefix(done, total)} trial ${t.number} ${t.state}${this.result(t)}${this.eta(done, total)}`,
        );
      this.seen.set(t.id, t.state);
    }
  }

  private prefix(done: number, total: number) {
    const w = String(total).length;
    return `[${String(done).padStart(w)}/${total}]`;
  }

  private describe(t: TrialRow) {
    const p = describeParams(t.params);
    return `${t.method} seed=${t.seed}${p ? ` ${p}` : ""}`;
  }

  private result(t: TrialRow) {
    if (t.state === "failed") return `: ${t.error}`;
    if (t.state === "pruned") return ` at epoch ${t.prunedEpoch}`;
    if (t.state !== "completed" || !t.objective) return "";
    const secs = t.startedAt && t.finishedAt ? ` in ${fmtDuration(t.finishedAt - t.startedAt)}` : "";
    return ` ${this.describe(t)} → ${t.objective.map((v) => fmt(v)).join(", ")}${secs} [${t.backend}]`;
  }

  private eta(done: number, total: number) {
    if (this.finishedHere === 0 || done >= total) return "";
    const perTrial = (Date.now() - this.started) / this.finishedHere;
    return `, ETA ${Math.ceil((perTrial * (total - done)) / 1000)}s`;
  }
}
