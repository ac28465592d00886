/**
 * An executor that trains nothing, for measuring orchestration alone: a benchmark process
 * chooses it when it starts its workers; nothing on the wire can ask for it. With `delayMs`, each
 * trial takes that long (a trial that waits, as for a GPU, without using the CPU).
 */
import type { TrialConfig, TrialOutcome } from "@mtl/spec";
import type { Executor } from "@mtl/worker";

export function noopExecutor(delayMs = 0): Executor {
  return {
    start: async () => "noop",
    run(config: TrialConfig) {
      const final: NonNullable<TrialOutcome["final"]> = {};
      for (const t of config.tasks) final[t.name] = { val: { [t.metric]: 0.5 }, test: { [t.metric]: 0.5 } };
      const outcome = { status: "completed", final, epochs: 0, backend: "noop" } as const;
      if (delayMs <= 0) return { outcome: Promise.resolve(outcome), stop: () => {} };
      // A stop (never sent in the benches) ends the wait early rather than leaving it pending.
      let end = () => {};
      const done = new Promise<TrialOutcome>((resolve) => {
        const timer = setTimeout(() => resolve(outcome), delayMs);
        end = () => {
          clearTimeout(timer);
          resolve(outcome);
        };
      });
      return { outcome: done, stop: () => end() };
    },
    close: async () => {},
  };
}
