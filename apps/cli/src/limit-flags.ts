/** The flags that raise a worker's limits (`mtl worker`, and the embedded workers of `mtl run`). */
import { DEFAULT_LIMITS, LIMIT_FLAGS, type WorkerLimits } from "@mtl/worker";
import { type Command, Option } from "commander";
import { positiveInt } from "./cli-values.ts";

const HELP: Record<keyof WorkerLimits, string> = {
  maxEpochs: "epochs of one trial",
  maxSamples: "samples of a trial's dataset",
  maxParameters: "parameters of a trial's model (an upper bound is counted)",
  maxMessageBytes: "bytes of a trial message",
};

export type LimitFlags = Partial<WorkerLimits>;

export function addLimitFlags(command: Command): Command {
  for (const key of Object.keys(LIMIT_FLAGS) as (keyof WorkerLimits)[])
    command.addOption(
      new Option(
        `${LIMIT_FLAGS[key]} <n>`,
        `refuse trials over this many ${HELP[key]} (default ${DEFAULT_LIMITS[key]})`,
      ).argParser(positiveInt(LIMIT_FLAGS[key])),
    );
  return command;
}

/** The limits these flags give (defaults for those not given). */
export function limitsOf(flags: LimitFlags): WorkerLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_FLAGS) as (keyof WorkerLimits)[]) {
    const v = flags[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
