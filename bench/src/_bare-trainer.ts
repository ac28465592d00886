/**
 * A trainer with nothing around it, for `pnpm bench orchestration`'s reference speed-up: it
 * warms up as `mtl worker` does, says "ready", then trains each trial config its parent sends
 * over IPC and answers "done". No bus, no store, no coordinator: what these cores give two
 * trainers by themselves.
 */
import type { TrialConfig } from "@mtl/spec";
import { initBackend, runTrial, warmUp } from "@mtl/trainer";
import { getEachMessage, sendMessage } from "execa";

const backend = await initBackend();
await warmUp(backend);
await sendMessage("ready");
for await (const message of getEachMessage()) {
  if (message === "stop") break;
  const outcome = await runTrial(message as TrialConfig, { backend });
  await sendMessage(outcome.status);
}
