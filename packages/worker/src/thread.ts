/**
 * Runs inside a worker_thread: training blocks its thread for seconds at a time, so it lives
 * here, away from the event loop that keeps leases and heartbeats alive.
 * Stop requests arrive through shared memory, which the trainer can poll without yielding.
 */
import { parentPort, workerData } from "node:worker_threads";
import { objectiveOf } from "@mtl/scheduler";
import { type BuiltinTrialConfig, isProgramTrial, TrialConfig } from "@mtl/spec";
import {
  CheckpointError,
  checkCheckpoint,
  initBackend,
  runTrial,
  type TrainHooks,
  warmUp,
} from "@mtl/trainer";
import { STOP_CODES, type ThreadReply, type ThreadRequest } from "./protocol.ts";

const port = parentPort!;
const {
  stopFlag,
  backend: preferred,
  warm,
  dataDirs,
} = workerData as { stopFlag: SharedArrayBuffer; backend?: string; warm?: boolean; dataDirs: string[] };
const flag = new Int32Array(stopFlag);

async function main() {
  let backend: string;
  let warmUpMs: number | undefined;
  try {
    backend = await initBackend(preferred);
    if (warm) warmUpMs = await warmUp(backend);
  } catch (error) {
    port.postMessage({ type: "fatal", error: (error as Error).message } satisfies ThreadReply);
    return;
  }
  port.postMessage({
    type: "ready",
    backend,
    ...(warmUpMs !== undefined ? { warmUpMs } : {}),
  } satisfies ThreadReply);
  port.on("message", async (req: ThreadRequest) => {
    if (req.type === "check") {
      const config = TrialConfig.parse(req.config);
      const check = isProgramTrial(config)
        ? { ok: false as const, reason: "a program's trial has no trainer checkpoint" }
        : checkCheckpoint(req.bytes, config as BuiltinTrialConfig);
      port.postMessage({
        type: "checked",
        ...(check.ok ? {} : { reason: check.reason }),
      } satisfies ThreadReply);
      return;
    }
    if (req.type !== "run") return;
    try {
      // Parsed again though the bus validated it: a structured clone reaches the thread with
      // other hidden classes than the warm-up's objects, and the trainer's compiled code was
      // thrown away on them at the start of the sweep.
      // dataDirs: the only folders the trainer may read a dataset's files from.
      const hooks: TrainHooks & { dataDirs: string[] } = {
        backend,
        dataDirs,
        onEpoch: (report) => port.postMessage({ type: "epoch", report } satisfies ThreadReply),
        shouldStop: () => {
          const code = Atomics.load(flag, 0);
          return code === 0 ? null : STOP_CODES[code] === "pruned" ? "pruned" : "cancelled";
        },
      };
      if (req.checkpoint)
        hooks.checkpoint = {
          ...req.checkpoint,
          // Copied out by the structured clone; the trainer's buffer is its own.
          save: ({ epoch, bytes }) =>
            port.postMessage({ type: "checkpoint", epoch, bytes } satisfies ThreadReply),
        };
      const config = TrialConfig.parse(req.config);
      if (req.keep) {
        // The sweep's objective, read by its one owner; validated before the sweep was planned.
        const objective = objectiveOf({ tasks: config.tasks, sweep: { objective: req.keep.objective } });
        hooks.keep = {
          objective: (metrics) => {
            const values = objective.extractEpoch(metrics);
            return values ? objective.scalar(values) : undefined;
          },
          direction: objective.scalarDirection,
          save: ({ kind, epoch, bytes }) =>
            port.postMessage({ type: "kept", kind, epoch, bytes } satisfies ThreadReply),
        };
      }
      let outcome: Awaited<ReturnType<typeof runTrial>>;
      try {
        outcome = await runTrial(config, { ...hooks, ...(req.resume ? { resume: req.resume } : {}) });
      } catch (error) {
        // checkCheckpoint passed, but its tensors do not fit the model as built (another trainer's):
        // nothing was trained, so the trial starts afresh. Its epochs come out as an uninterrupted
        // run's, so those the worker reported again from the checkpoint are written over as equal.
        if (!(error instanceof CheckpointError) || !req.resume) throw error;
        port.postMessage({ type: "resume-refused", reason: error.message } satisfies ThreadReply);
        outcome = await runTrial(config, hooks);
      }
      port.postMessage({ type: "done", outcome } satisfies ThreadReply);
    } catch (error) {
      port.postMessage({ type: "error", error: (error as Error).message } satisfies ThreadReply);
    }
  });
}

void main();
