import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EpochReport, TrialConfig, TrialOutcome } from "@mtl/spec";
import { STOP_CODES, type StopReason, type ThreadReply } from "./protocol.ts";

/** The TypeScript loader for the thread, so the same sources run without a build step. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface RunHandle {
  outcome: Promise<TrialOutcome>;
  stop(reason: StopReason): void;
}

/**
 * One training thread. It loads the backend once and runs trials one after another; a trial that
 * throws or fails leaves the thread usable, and a thread that dies is replaced on the next run.
 */
export class ThreadExecutor {
  private worker: Worker | undefined;
  private ready: Promise<string> | undefined;
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly preferredBackend?: string) {}

  /** Starts the thread (if needed) and resolves with the backend it loaded. */
  start(): Promise<string> {
    if (this.ready) return this.ready;
    const worker = new Worker(new URL("./thread.ts", import.meta.url), {
      workerData: { stopFlag: this.stopFlag.buffer, backend: this.preferredBackend },
      execArgv: [...process.execArgv.filter((a) => !a.startsWith("--input-type")), "--import", tsxLoader],
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: ThreadReply) => {
        if (m.type === "ready") resolve(m.backend);
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

  run(config: TrialConfig, onEpoch: (r: EpochReport) => void): RunHandle {
    Atomics.store(this.stopFlag, 0, 0);
    const outcome = this.start().then(
      (backend) =>
        new Promise<TrialOutcome>((resolve, reject) => {
          const worker = this.worker!;
          const onMessage = (m: ThreadReply) => {
            if (m.type === "epoch") onEpoch(m.report);
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
          worker.postMessage({ type: "run", config });
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
