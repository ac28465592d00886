import { Worker } from "node:worker_threads";
import type { KeptKind } from "@mtl/bus";
import type { EpochReport, Objective, TrialConfig, TrialOutcome } from "@mtl/spec";
import {
  type CheckpointCadence,
  STOP_CODES,
  type StopReason,
  type ThreadReply,
  type ThreadRequest,
} from "./protocol.ts";

/**
 * The thread's entry: it registers the TypeScript loader, then imports thread.ts, so the same
 * sources run without a build step. (On Node 20 `--import` in a worker's execArgv does not apply
 * to the worker's own entry module, so the loader is registered from inside the thread.)
 */
const bootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => {
  register();
  return import(${JSON.stringify(new URL("./thread.ts", import.meta.url).href)});
});`;

/** One named piece of a checkpoint: the trainer's sealed bytes, or one file of a program's folder. */
export interface CheckpointPart {
  name: string;
  bytes: Uint8Array;
}

/** The part that holds a built-in trial's checkpoint (the trainer's own sealed format). */
export const TRAINER_PART = "trainer";

/** Which trial a run is, as the user sees it: its number in the sweep and its attempt (1 = first). */
export interface RunContext {
  number: number;
  attempt: number;
  /**
   * The parts of the checkpoint to resume from (one `check` found fitting): a built-in trial's
   * `trainer` part, a program's files. Its epoch reports were already reported.
   */
  resume?: CheckpointPart[];
  /** The epochs already reported (the checkpoint's): a program's outcome counts them. */
  resumedEpochs?: readonly number[];
  /**
   * Save checkpoints (a built-in trial at this cadence; a program when it says so), each handed to
   * `onCheckpoint` after its epoch's report.
   */
  checkpoint?: CheckpointCadence & { onCheckpoint(c: { epoch: number; parts: CheckpointPart[] }): void };
  /**
   * Keep the trial's models: a built-in trial's final weights and its best on `objective` (the
   * trainer's kept weights, one `trainer` part), a program's checkpoint folder once it completes.
   */
  keep?: {
    objective: Objective;
    onKept(m: { kind: KeptKind; epoch: number; parts: CheckpointPart[] }): void;
  };
  /** The trainer refused `resume` once it built the model: the run started from epoch 0. */
  onResumeRefused?(reason: string): void;
}

export interface RunHandle {
  outcome: Promise<TrialOutcome>;
  stop(reason: StopReason): void;
}

/**
 * Where a worker's trials are trained: one at a time per executor. The default is a training
 * thread; a benchmark can measure orchestration alone with one that trains nothing.
 */
export interface Executor {
  /** Loads the backend (once) and resolves with its name. */
  start(): Promise<string>;
  /** How long start() spent warming up, if it did. */
  readonly warmUpMs?: number;
  run(config: TrialConfig, onEpoch: (r: EpochReport) => void, context: RunContext): RunHandle;
  /**
   * Whether a checkpoint's parts fit the trial: undefined, or why not. An executor without it
   * neither saves nor resumes checkpoints.
   */
  check?(config: TrialConfig, parts: readonly CheckpointPart[]): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * One training thread. It loads the backend once and runs trials one after another; a trial that
 * throws or fails leaves the thread usable, and a thread that dies is replaced on the next run.
 */
export class ThreadExecutor implements Executor {
  private worker: Worker | undefined;
  private ready: Promise<string> | undefined;
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));

  /** How long the thread's warm-up took (ms), once started with `warmUp`. */
  warmUpMs: number | undefined;

  constructor(
    private readonly preferredBackend?: string,
    /** Train a short made-up run before the first trial (see the trainer's warm-up.ts). */
    private readonly warmUp = false,
    /** Folders the trainer may read data files from. */
    private readonly dataDirs: readonly string[] = [],
  ) {}

  /** Starts the thread (if needed) and resolves with the backend it loaded. */
  start(): Promise<string> {
    if (this.ready) return this.ready;
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: {
        stopFlag: this.stopFlag.buffer,
        backend: this.preferredBackend,
        warm: this.warmUp,
        dataDirs: [...this.dataDirs],
      },
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: ThreadReply) => {
        if (m.type === "ready") {
          this.warmUpMs = m.warmUpMs;
          resolve(m.backend);
        }
        if (m.type === "fatal") reject(new Error(m.error));
        if (m.type === "ready" || m.type === "fatal") worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`training thread exited with code ${code}`)));
    });
    worker.once("exit", () => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.ready = undefined;
      }
    });
    return this.ready;
  }

  async check(config: TrialConfig, parts: readonly CheckpointPart[]): Promise<string | undefined> {
    const bytes = parts.find((p) => p.name === TRAINER_PART)?.bytes;
    if (!bytes) return `no ${TRAINER_PART} part (not a built-in trial's checkpoint)`;
    await this.start();
    const worker = this.worker!;
    return new Promise((resolve, reject) => {
      const onMessage = (m: ThreadReply) => {
        if (m.type !== "checked") return;
        done();
        resolve(m.reason);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`training thread died (exit code ${code}) checking a checkpoint`));
      };
      const done = () => {
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.once("exit", onExit);
      worker.postMessage({ type: "check", config, bytes } satisfies ThreadRequest);
    });
  }

  run(config: TrialConfig, onEpoch: (r: EpochReport) => void, context?: RunContext): RunHandle {
    Atomics.store(this.stopFlag, 0, 0);
    const { onCheckpoint, ...cadence } = context?.checkpoint ?? { onCheckpoint: undefined };
    const resume = context?.resume?.find((p) => p.name === TRAINER_PART)?.bytes;
    const outcome = this.start().then(
      (backend) =>
        new Promise<TrialOutcome>((resolve, reject) => {
          const worker = this.worker!;
          const onMessage = (m: ThreadReply) => {
            if (m.type === "epoch") onEpoch(m.report);
            else if (m.type === "checkpoint")
              onCheckpoint?.({ epoch: m.epoch, parts: [{ name: TRAINER_PART, bytes: m.bytes }] });
            else if (m.type === "kept")
              context?.keep?.onKept({
                kind: m.kind,
                epoch: m.epoch,
                parts: [{ name: TRAINER_PART, bytes: m.bytes }],
              });
            else if (m.type === "resume-refused") context?.onResumeRefused?.(m.reason);
            else if (m.type === "done") finish(() => resolve(m.outcome));
            else if (m.type === "error") finish(() => reject(new Error(m.error)));
          };
          const onExit = (code: number) =>
            finish(() => reject(new Error(`training thread died (exit code ${code}) on backend ${backend}`)));
          const finish = (f: () => void) => {
            worker.off("message", onMessage);
            worker.off("exit", onExit);
            f();
          };
          worker.on("message", onMessage);
          worker.once("exit", onExit);
          worker.postMessage({
            type: "run",
            config,
            ...(resume ? { resume } : {}),
            ...(onCheckpoint ? { checkpoint: cadence } : {}),
            ...(context?.keep ? { keep: { objective: context.keep.objective } } : {}),
          } satisfies ThreadRequest);
        }),
    );
    return {
      outcome,
      stop: (reason) => Atomics.store(this.stopFlag, 0, STOP_CODES.indexOf(reason)),
    };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (w) await w.terminate();
  }
}
