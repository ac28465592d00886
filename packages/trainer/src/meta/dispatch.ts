/** runTrial's hand-off to strategies that bring their own training loop (meta, transfer, distill). */
import type { BuiltinTrialConfig } from "@mtl/spec";
import { CheckpointError } from "../checkpoint/checkpoint.ts";
import type { TrainHooks, TrainOutcome } from "../hooks.ts";
import { architectures, datasets, strategies } from "../registries.ts";
import { isMetaStrategy } from "./types.ts";

/** The runner of the trial's strategy when it has its own loop, else undefined. */
export function ownLoopRunner(
  config: BuiltinTrialConfig,
): ((config: BuiltinTrialConfig, hooks: TrainHooks) => Promise<TrainOutcome>) | undefined {
  if (!strategies.has(config.strategy.name)) return undefined;
  const module = strategies.get(config.strategy.name);
  if (!isMetaStrategy(module)) return undefined;
  return async (c, hooks) => {
    const { options } = strategies.resolve(c.strategy.name, c.strategy.options);
    if (module.checkpoints) return module.run(c, options, hooks, { datasets, architectures });
    if (hooks.resume)
      throw new CheckpointError(
        `strategy "${c.strategy.name}" cannot resume from a checkpoint: its loop keeps none`,
      );
    const { checkpoint: _c, keep: _k, ...rest } = hooks;
    return module.run(c, options, rest, { datasets, architectures });
  };
}

/** Whether a registered strategy brings its own loop (and so needs its own kind of dataset or options). */
export function hasOwnLoop(name: string): boolean {
  return strategies.has(name) && isMetaStrategy(strategies.get(name));
}
