/**
 * Checkpoints and kept weights during one trial (TrainHooks.checkpoint, resume and keep), for
 * the epoch loop: where it starts, what happens after each epoch and at completion.
 */
import type { FinalMetrics, MetricPoint } from "@mtl/spec";
import type * as tf from "@tensorflow/tfjs-core";
import type { TrainHooks } from "../hooks.ts";
import { CheckpointCadence } from "./cadence.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { captureModel, captureTrial, ModelSnapshot, type TrialMeta, type TrialParts } from "./trial-state.ts";

/** What runEpochs asks of a trial's checkpoints. */
export interface EpochCheckpoints {
  /** The epoch the trial resumed after (0: from the start), and that epoch's metrics. */
  start: { epoch: number; final?: FinalMetrics };
  /** After epoch `epoch` was reported (`last`: the trial's last epoch). */
  afterEpoch(
    epoch: number,
    metrics: readonly MetricPoint[],
    final: FinalMetrics,
    last: boolean,
  ): Promise<void>;
  /** The trial completed after `epoch` epochs. */
  completed(epoch: number): Promise<void>;
  /** The loop is over, however it ended: what is held is let go. */
  close(): void;
}

/**
 * The checkpoints of a trial whose parts are `parts`. `model` are the parameters kept weights
 * hold (the trial's model, without a strategy's own tensors); null: this trial keeps none.
 */
export function checkpointSession(
  hooks: TrainHooks,
  parts: TrialParts,
  meta: Omit<TrialMeta, "epoch">,
  model: readonly tf.Variable[] | null,
  resumed: Checkpoint | undefined,
): EpochCheckpoints {
  const startEpoch = resumed?.epoch ?? 0;
  const cadence = hooks.checkpoint
    ? new CheckpointCadence(hooks.checkpoint, startEpoch, performance.now())
    : undefined;
  let best = resumed?.best;
  let final = resumed?.final;
  const keep = model ? hooks.keep : undefined;
  const better = (value: number) =>
    !best || ((keep?.direction ?? "max") === "max" ? value > best.value : value < best.value);
  // The best weights not written yet. Written with the next checkpoint (which names them as its
  // `best`, so a resumed attempt finds them kept) or when the trial completes: writing them at
  // every improvement cost a sweep more than its checkpoints did.
  let held: { epoch: number; snapshot: ModelSnapshot } | undefined;
  const writeBest = async () => {
    if (!held || !keep || !model) return;
    const { epoch, snapshot } = held;
    held = undefined;
    try {
      await keep.save({ kind: "best", epoch, bytes: await snapshot.capture({ ...meta, epoch }) });
    } finally {
      snapshot.dispose();
    }
  };
  return {
    start: { epoch: startEpoch, ...(final ? { final } : {}) },
    async afterEpoch(epoch, metrics, epochFinal, last) {
      final = epochFinal;
      const value = keep?.objective?.(metrics);
      if (keep && model && value !== undefined && Number.isFinite(value) && better(value)) {
        best = { epoch, value };
        held?.snapshot.dispose();
        held = { epoch, snapshot: ModelSnapshot.take(model) };
      }
      if (!cadence || !hooks.checkpoint || last || !cadence.due(epoch, performance.now())) return;
      const started = performance.now();
      await writeBest();
      const bytes = await captureTrial(parts, { ...meta, epoch, final, ...(best ? { best } : {}) });
      await hooks.checkpoint.save({ epoch, bytes });
      const now = performance.now();
      cadence.saved(epoch, now, now - started);
    },
    async completed(epoch) {
      if (!keep || !model) return;
      const bytes = await captureModel(model, { ...meta, epoch });
      // Best at the last epoch: the same weights, captured once.
      if (held?.epoch === epoch) {
        held.snapshot.dispose();
        held = undefined;
        await keep.save({ kind: "best", epoch, bytes: bytes.slice() });
      } else await writeBest();
      await keep.save({ kind: "final", epoch, bytes });
    },
    close() {
      held?.snapshot.dispose();
      held = undefined;
    },
  };
}
