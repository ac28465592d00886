/**
 * Limits a worker enforces on what it is asked to train. A trial message is data from the wire:
 * without bounds one message (1e9 epochs, a million-wide layer, a dataset of 1e10 samples) could
 * hold or exhaust a worker for good. The defaults are generous; `mtl worker` flags raise them.
 * A trial over a limit is refused, not trained: it fails with the reason and is recorded as a
 * dead letter.
 */
import { cutText, type Delivery, REJECTED_ERROR_BYTES, type TrialMessage, type WorkerBus } from "@mtl/bus";
import { type BuiltinTrialConfig, isProgramTrial } from "@mtl/spec";
import { datasetSize } from "@mtl/trainer/catalog";

export interface WorkerLimits {
  /** Epochs of one trial. @default 10000 */
  maxEpochs: number;
  /** Samples of a trial's dataset, where its description tells. @default 10000000 */
  maxSamples: number;
  /** Trainable parameters of a trial's model (an upper-bound estimate, see `parameterBound`). @default 100000000 */
  maxParameters: number;
  /** Bytes of a trial message (its JSON). @default 262144 */
  maxMessageBytes: number;
}

export const DEFAULT_LIMITS: WorkerLimits = {
  maxEpochs: 10_000,
  maxSamples: 10_000_000,
  maxParameters: 100_000_000,
  maxMessageBytes: 256 * 1024,
};

/** The flag that raises each limit, for the refusal's message. */
export const LIMIT_FLAGS: Record<keyof WorkerLimits, string> = {
  maxEpochs: "--max-epochs",
  maxSamples: "--max-samples",
  maxParameters: "--max-parameters",
  maxMessageBytes: "--max-message-bytes",
};

/**
 * A trial's error as it goes on the wire: one line's worth. An error as long as a file (a trainer
 * quoting its input) would make an event the server refuses, and that event would never arrive.
 */
export const boundError = (error: string): string => cutText(error, REJECTED_ERROR_BYTES);

/**
 * An upper bound on a trial's trainable parameters: its dense layers' weights and biases from the
 * input through the hidden and head widths, times the number of copies any architecture makes of
 * them (one per task for towers, one per expert for a mixture). A bound, not a count: it only
 * decides whether a trial is absurd, so over-counting a little is harmless.
 */
export function parameterBound(config: BuiltinTrialConfig, inputSize = 1): number {
  const widths = [inputSize, ...config.model.hidden, ...config.model.head, 1];
  let perCopy = 0;
  for (let i = 0; i + 1 < widths.length; i++) perCopy += ((widths[i] ?? 0) + 1) * (widths[i + 1] ?? 0);
  const experts = Number(config.model.options.experts ?? 1);
  const copies = Math.max(config.tasks.length, Number.isFinite(experts) ? experts : 1, 1);
  return perCopy * copies;
}

/** One limit a trial goes over. */
export interface OverLimit {
  /** Where in the trial message: `training.epochs`, `dataset`, `model`, or `(message)`. */
  path: string;
  /** What was counted: epochs, samples, parameters (a bound), bytes. */
  what: string;
  value: number;
  limit: number;
  /** The flag that raises the limit. */
  flag: string;
}

/** `training.epochs: 1000000000 epochs, over the limit of 10000 (raise with --max-epochs)` */
export const describeOverLimit = (o: OverLimit): string =>
  `${o.path}: ${o.value} ${o.what}, over the limit of ${o.limit} (raise with ${o.flag})`;

/** Every limit a trial message goes over. */
export function overLimits(message: TrialMessage, limits: WorkerLimits): OverLimit[] {
  const over: OverLimit[] = [];
  const check = (path: string, what: string, value: number, key: keyof WorkerLimits) => {
    if (value > limits[key]) over.push({ path, what, value, limit: limits[key], flag: LIMIT_FLAGS[key] });
  };
  check("(message)", "bytes", Buffer.byteLength(JSON.stringify(message)), "maxMessageBytes");
  check("training.epochs", "epochs", message.config.training.epochs, "maxEpochs");
  // A program's model and data are its own business; its epochs and message size are ours.
  const config = message.config;
  if (isProgramTrial(config)) return over;
  // From the options alone: a dataset of 1e10 samples must be refused before it is generated.
  const size = datasetSize(config.dataset);
  if (size?.samples !== undefined) check("dataset", "samples", size.samples, "maxSamples");
  check("model", "parameters (bound)", parameterBound(config, size?.inputSize), "maxParameters");
  return over;
}

/**
 * Refuses a delivered trial: it fails for good (not retryable: every delivery would be refused
 * the same way) with the reasons, the message is recorded as a dead letter, and the delivery is
 * acknowledged. The failure is reported as a run of its own (`started`, then `failed`) because
 * only the run that holds a trial may end it.
 */
export async function refuseTrial(
  bus: WorkerBus,
  delivery: Delivery,
  ids: { sweep: string; trialId: number; runId: string; worker: string },
  backend: string,
  reasons: string[],
): Promise<void> {
  const error = `refused by worker ${ids.worker}: ${reasons.join("; ")}`;
  await bus.publishEvent({ kind: "started", ...ids, backend });
  await bus.publishEvent({ kind: "failed", ...ids, error, retryable: false, epoch: 0 });
  await bus.reject({ source: "trial", payload: JSON.stringify(delivery.message), error });
  await delivery.ack();
}
