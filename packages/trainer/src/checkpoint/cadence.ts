/**
 * When a trial saves a checkpoint (TrainHooks.checkpoint): asked after each epoch but the last,
 * with the time; pure, so tests drive it with made-up times.
 */
import { DEFAULT_CHECKPOINT_MS } from "../hooks.ts";

/** A save may take at most 1/SAVE_SHARE of the time between saves (~2% of the trial). */
const SAVE_SHARE = 50;

export class CheckpointCadence {
  readonly #every: number | undefined;
  readonly #everyMs: number | undefined;
  #lastEpoch: number;
  #lastAt: number;
  #lastCost = 0;

  /** Counting from epoch `startEpoch` (0, or the epoch resumed after) at time `now` (ms). */
  constructor(options: { every?: number; everyMs?: number }, startEpoch: number, now: number) {
    const { every, everyMs } = options;
    if (every !== undefined && !(Number.isInteger(every) && every >= 1))
      throw new Error(`hooks.checkpoint.every: expected a whole number of epochs ≥ 1, got ${every}`);
    if (everyMs !== undefined && !(everyMs >= 0))
      throw new Error(`hooks.checkpoint.everyMs: expected milliseconds ≥ 0, got ${everyMs}`);
    this.#every = every;
    this.#everyMs = everyMs ?? (every === undefined ? DEFAULT_CHECKPOINT_MS : undefined);
    this.#lastEpoch = startEpoch;
    this.#lastAt = now;
  }

  /** Whether to save after `epoch`: `every` epochs, or `everyMs` (and 50× the last save) elapsed. */
  due(epoch: number, now: number): boolean {
    if (this.#every !== undefined && epoch - this.#lastEpoch >= this.#every) return true;
    return (
      this.#everyMs !== undefined &&
      now - this.#lastAt >= Math.max(this.#everyMs, SAVE_SHARE * this.#lastCost)
    );
  }

  /** A save after `epoch` ended at `now` and took `costMs`. */
  saved(epoch: number, now: number, costMs: number): void {
    this.#lastEpoch = epoch;
    this.#lastAt = now;
    this.#lastCost = costMs;
  }
}
