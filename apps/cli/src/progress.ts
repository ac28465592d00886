import { fmtDuration } from "@mtl/analysis";
import { isTerminal, TRIAL_STATES, type TrialState } from "@mtl/spec";
import type { Store, TrialRow } from "@mtl/store";
import { describeParams } from "./params-text.ts";
import { fmt } from "./table.ts";

/** States a trial can leave: the only rows read again on each event. */
const OPEN_STATES = TRIAL_STATES.filter((s) => !isTerminal(s));

/**
 * Plain progress lines (CI, pipes): one line per finished trial with the sweep's progress, ETA
 * and its final objective, plus one line when a trial starts.
 *
 * Each update reads only the trials that can still change (queued or running, which the
 * coordinator keeps to about its parallelism), those planned since the last update, and each
 * trial that finished since: its cost does not grow with the sweep (an update comes with every
 * event, epochs included). The sweep is read whole once, at the start.
 */
export class ProgressLines {
  /** The state last seen of each trial that had not finished. */
  private readonly open = new Map<number, TrialState>();
  /** Trials seen finished (a retried one leaves this set when it is queued again). */
  private readonly finished = new Set<number>();
  /** Trials of the sweep seen so far: the next new one is numbered this. */
  private known = 0;
  private finishedHere = 0;
  private readonly started = Date.now();

  constructor(
    private readonly store: Store,
    private readonly sweepId: number,
    private readonly total: () => number | undefined,
    private readonly write: (line: string) => void,
  ) {
    for (const t of store.trialsOf(sweepId)) this.note(t);
  }

  /** Counts a trial read for the first time, or seen again after it finished (a retry). */
  private note(t: TrialRow) {
    this.known = Math.max(this.known, t.number + 1);
    if (isTerminal(t.state)) this.finished.add(t.id);
    else this.open.set(t.id, t.state);
  }

  update(): void {
    const fresh = new Map<number, TrialRow>();
    for (const t of this.store.trialsOf(this.sweepId, OPEN_STATES)) fresh.set(t.id, t);
    for (const t of this.store.trialsFrom(this.sweepId, this.known)) fresh.set(t.id, t);
    for (const id of this.open.keys())
      if (!fresh.has(id)) {
        const t = this.store.trial(id);
        if (t) fresh.set(id, t);
      }
    // Lines in trial order, each with the counts after this update (as a full read gave them).
    const changes: TrialRow[] = [];
    for (const t of [...fresh.values()].sort((a, b) => a.number - b.number)) {
      if (isTerminal(t.state) && this.finished.has(t.id)) continue;
      const was = this.open.get(t.id);
      const reopened = !isTerminal(t.state) && this.finished.delete(t.id);
      this.open.delete(t.id);
      this.note(t);
      if (reopened || was !== t.state) changes.push(t);
    }
    const done = this.finished.size;
    const total = Math.max(this.total() ?? this.known, this.known);
    for (const t of changes) {
      if (t.state === "running" && t.attempt > 0)
        this.write(
          `${this.prefix(done, total)} trial ${t.number} started on ${t.worker} (${this.describe(t)})`,
        );
      if (isTerminal(t.state)) {
        this.finishedHere++;
        this.write(
          `${this.prefix(done, total)} trial ${t.number} ${t.state}${this.result(t)}${this.eta(done, total)}`,
        );
      }
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
