/**
 * A worker process for `pnpm bench orchestration`: the real NATS worker with a no-op executor.
 * Usage: tsx _orchestration-worker.ts <nats-url> <name> [concurrency] [trial-ms]
 */
import { NatsWorkerBus } from "@mtl/bus";
import { runWorker } from "@mtl/worker";
import { noopExecutor } from "./_noop.ts";

const [url, name, slots, trialMs] = process.argv.slice(2);
if (!url || !name) throw new Error("usage: _orchestration-worker.ts <nats-url> <name> [concurrency]");
const bus = await NatsWorkerBus.connect({ servers: url });
const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
const done = runWorker({
  bus,
  name,
  concurrency: Number(slots ?? 1),
  signal: stop.signal,
  executor: () => noopExecutor(Number(trialMs ?? 0)),
  // Only the start line (the benchmark waits for it): a line per trial would be measured too.
  log: (l) => l.startsWith("worker ") && process.stdout.write(`${l}\n`),
});
await done;
await bus.close();
