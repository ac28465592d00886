/**
 * A worker refuses trials over its limits: they fail with the reason, are recorded as dead
 * letters, and never reach the trainer. The executor here records what it is asked to run.
 */
import { InProcessBus, type Rejected, type TrialEvent, type TrialMessage } from "@mtl/bus";
import { builtinConfig, TrialConfig } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import type { Executor } from "./executor.ts";
import { DEFAULT_LIMITS, describeOverLimit, overLimits, parameterBound } from "./limits.ts";
import { runWorker } from "./worker.ts";

const message = (
  over: Record<string, unknown> = {},
  model: Record<string, unknown> = {},
  data: Record<string, unknown> = {},
): TrialMessage => ({
  kind: "trial",
  sweep: "s-1",
  sweepId: 1,
  maxDeliveries: 3,
  trialId: 1,
  number: 1,
  pool: "cpu",
  config: TrialConfig.parse({
    experiment: "t",
    dataset: { name: "classification", options: data },
    tasks: [
      { name: "a", kind: "classification", metric: "accuracy" },
      { name: "b", kind: "classification", metric: "accuracy" },
    ],
    model: { architecture: "hard-sharing", hidden: [64, 64], ...model },
    strategy: "equal",
    training: { epochs: 10, ...over },
    seed: 0,
  }),
});

describe("overLimits", () => {
  it("passes an ordinary trial", () => {
    expect(overLimits(message(), DEFAULT_LIMITS)).toEqual([]);
  });

  it("names every limit a trial goes over and the flag that raises it", () => {
    const m = message({ epochs: 1e9 }, { hidden: [1_000_000, 1_000_000] }, { n_samples: 1e10 });
    const over = overLimits(m, DEFAULT_LIMITS).map(describeOverLimit);
    expect(over).toEqual([
      "training.epochs: 1000000000 epochs, over the limit of 10000 (raise with --max-epochs)",
      "dataset: 10000000000 samples, over the limit of 10000000 (raise with --max-samples)",
      expect.stringMatching(
        /^model: \d+ parameters \(bound\), over the limit of 100000000 \(raise with --max-parameters\)$/,
      ),
    ]);
  });

  it("bounds the message's bytes", () => {
    const big = message();
    big.config.params = { note: "x".repeat(5 * 1024 * 1024) };
    expect(overLimits(big, DEFAULT_LIMITS).map(describeOverLimit)).toEqual([
      expect.stringMatching(
        /^\(message\): \d{7} bytes, over the limit of 262144 \(raise with --max-message-bytes\)$/,
      ),
    ]);
  });

  it("bounds parameters from above, whatever the architecture", () => {
    // 20 → 64 → 64 → 1, weights and biases: 21·64 + 65·64 + 65 = 5569 per copy, 2 tasks.
    expect(parameterBound(builtinConfig(message().config), 20)).toBe(2 * 5569);
    expect(
      parameterBound(
        builtinConfig(message({}, { architecture: "mmoe", options: { experts: 8 } }).config),
        20,
      ),
    ).toBe(8 * 5569);
  });
});

describe("a worker over its limits", () => {
  it("refuses the trial: failed with the reason, a dead letter, never trained", async () => {
    const bus = new InProcessBus();
    const events: TrialEvent[] = [];
    const rejected: Rejected[] = [];
    let done: () => void = () => {};
    const failed = new Promise<void>((r) => {
      done = r;
    });
    bus.onEvent((e) => {
      events.push(e);
      if (e.kind === "failed") done();
    });
    bus.onRejected((r) => {
      rejected.push(r);
    });
    const ran: unknown[] = [];
    const executor: Executor = {
      start: async () => "none",
      run(config) {
        ran.push(config);
        return {
          outcome: Promise.resolve({ status: "completed", epochs: 0, backend: "none" }),
          stop: () => {},
        };
      },
      close: async () => {},
    };
    const stop = new AbortController();
    const worker = runWorker({
      bus: bus.worker(),
      name: "w",
      signal: stop.signal,
      limits: { maxEpochs: 100 },
      executor: () => executor,
    });
    await bus.publishTrial(message({ epochs: 101 }));
    await failed;
    stop.abort();
    await worker;
    await bus.close();
    expect(ran).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(["started", "failed"]);
    const f = events[1] as Extract<TrialEvent, { kind: "failed" }>;
    expect(f.error).toBe(
      "refused by worker w: training.epochs: 101 epochs, over the limit of 100 (raise with --max-epochs)",
    );
    expect(f.retryable).toBe(false);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.error).toBe(f.error);
    expect(JSON.parse(rejected[0]?.payload ?? "{}").trialId).toBe(1);
  });
});
