/**
 * An executor that trains nothing, for measuring orchestration alone: a benchmark process
 * chooses it when it starts its workers; nothing on the wire can ask for it.
 */
import type { TrialConfig, TrialOutcome } from "@mtl/spec";
import type { Executor } from "@mtl/worker";

export function noopExecutor(): Executor {
  return {
    start: async () => "noop",
    run(config: TrialConfig) {
      const final: NonNullable<TrialOutcome["final"]> = {};
      for (const t of config.tasks) final[t.name] = { val: { [t.metric]: 0.5 }, test: { [t.metric]: 0.5 } };
      return {
        outcome: Promise.resolve({ status: "completed", final, epochs: 0, backend: "noop" }),
        stop: () => {},
      };
    },
    close: async () => {},
  };
}
