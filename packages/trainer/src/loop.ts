/**
 * runEpochs: the one epoch loop of every strategy — standard (runTrial), phased (transfer,
 * distill) and episodic (maml, reptile, pretrain-finetune). The strategy supplies the work of an
 * epoch as units (mini-batches, meta-iterations) and its report; the loop owns the contract of
 * TrainHooks: `shouldStop` between units, a non-finite *training* loss fails the trial (with the
 * task and epoch), `onEpoch` after every epoch, the outcome and its final metrics. Evaluation
 * results are data: non-finite values are reported as they are.
 *
 * Units run in a synchronous slice until YIELD_EVERY_MS has passed, then the loop yields to the
 * event loop (a cancel message must reach the thread). The slice is a small function of its own:
 * V8 optimises it once, where a whole trial loop inside one async function was compiled again
 * (~0.1 s of compiler time each) as trials started.
 */
import type { EpochReport, FinalMetrics, MetricPoint } from "@mtl/spec";
import type { EpochCheckpoints } from "./checkpoint/session.ts";
import { toFinal } from "./evaluate.ts";
import type { TrainHooks, TrainOutcome } from "./hooks.ts";

/** One strategy's training, epoch by epoch. */
export interface EpochWork {
  /** Starts epoch `epoch` (1-based) and says how many units it has. */
  begin(epoch: number): number;
  /** Trains unit `k` of the epoch; returns each task's training loss on it. */
  step(k: number): number[];
  /** After the epoch's units, given each task's mean training loss: the epoch's metrics and weights. */
  end(epoch: number, meanLosses: number[]): { metrics: MetricPoint[]; weights: Record<string, number> };
}

const YIELD_EVERY_MS = 50;

interface Sums {
  losses: Float64Array;
  units: number;
}

type SliceEnd = { next: number } | { stop: "pruned" | "cancelled" } | { badTask: number };

/** Runs units from `from` until the epoch's `count` or YIELD_EVERY_MS, adding losses to `sums`. */
function runSlice(
  work: EpochWork,
  from: number,
  count: number,
  sums: Sums,
  shouldStop: TrainHooks["shouldStop"],
): SliceEnd {
  const started = performance.now();
  let k = from;
  while (k < count) {
    const stop = shouldStop?.() ?? null;
    if (stop) return { stop };
    const losses = work.step(k);
    for (let i = 0; i < losses.length; i++) {
      const l = losses[i] as number;
      if (!Number.isFinite(l)) return { badTask: i };
      sums.losses[i] = (sums.losses[i] as number) + l;
    }
    sums.units++;
    k++;
    if (performance.now() - started > YIELD_EVERY_MS) break;
  }
  return { next: k };
}

/**
 * Trains `epochs` epochs of `work` under `hooks`; `tasks` names the losses step() returns.
 * With `checkpoints`, it starts after the epoch resumed from and hands each epoch to them after
 * `onEpoch` (checkpoints, kept weights).
 */
export async function runEpochs(run: {
  epochs: number;
  backend: string;
  tasks: readonly string[];
  hooks: TrainHooks;
  work: EpochWork;
  checkpoints?: EpochCheckpoints;
}): Promise<TrainOutcome> {
  const { hooks, work, tasks, backend, checkpoints } = run;
  const resumedFrom = checkpoints?.start.epoch ?? 0;
  let final: FinalMetrics | undefined = checkpoints?.start.final;
  const outcome = (status: TrainOutcome["status"], epochs: number, error?: string): TrainOutcome => ({
    status,
    epochs,
    backend,
    ...(final ? { final } : {}),
    ...(error ? { error } : {}),
    ...(resumedFrom > 0 ? { resumedFrom } : {}),
  });
  try {
    for (let epoch = resumedFrom + 1; epoch <= run.epochs; epoch++) {
      const started = performance.now();
      const count = work.begin(epoch);
      const sums: Sums = { losses: new Float64Array(tasks.length), units: 0 };
      for (let k = 0; k < count; ) {
        const end = runSlice(work, k, count, sums, hooks.shouldStop);
        if ("stop" in end) return outcome(end.stop, epoch - 1);
        if ("badTask" in end)
          return outcome(
            "failed",
            epoch - 1,
            `non-finite loss in task ${tasks[end.badTask]} at epoch ${epoch}`,
          );
        k = end.next;
        if (k < count) await new Promise<void>((r) => setImmediate(r));
      }
      const mean = Array.from(sums.losses, (s) => s / Math.max(sums.units, 1));
      const { metrics, weights } = work.end(epoch, mean);
      final = toFinal(metrics);
      const report: EpochReport = { epoch, metrics, weights, wallMs: performance.now() - started };
      await hooks.onEpoch?.(report);
      await checkpoints?.afterEpoch(epoch, metrics, final, epoch === run.epochs);
    }
    await checkpoints?.completed(Math.max(run.epochs, resumedFrom));
    return outcome("completed", Math.max(run.epochs, resumedFrom));
  } finally {
    checkpoints?.close();
  }
}
