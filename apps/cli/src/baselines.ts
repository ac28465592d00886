import { availableParallelism } from "node:os";
import { sweepSampler } from "@mtl/coordinator";
import { ExperimentSpec } from "@mtl/spec";
import { Store, type SweepRow } from "@mtl/store";
import { runEmbedded } from "./embedded.ts";
import { userPath } from "./load-experiment.ts";
import { ProgressLines } from "./progress.ts";

/**
 * Adds the single-task baselines a sweep lacks: the sweep's own experiment with `baselines: true`
 * is the same sweep (the flag is not part of its identity), so the sampler plans only the missing
 * baseline trials, and they run here on every core.
 */
export async function addBaselines(
  db: string,
  sweep: SweepRow,
  write: (line: string) => void,
): Promise<void> {
  const experiment = ExperimentSpec.parse({ ...(sweep.spec as object), baselines: true });
  const store = new Store(userPath(db));
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    const { sweep: same } = store.ensureSweep(experiment);
    const progress = new ProgressLines(store, same.id, () => sweepSampler(experiment).total, write);
    write(`running the single-task baselines of sweep ${same.id}…`);
    await runEmbedded({
      store,
      experiment,
      sweep: same,
      workers: availableParallelism(),
      signal: abort.signal,
      onChange: () => progress.update(),
    });
  } finally {
    process.off("SIGINT", onSigint);
    store.close();
  }
}
