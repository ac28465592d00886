/**
 * A short training run on made-up data that a long-lived worker thread does once before it
 * takes trials. V8 compiles a thread's hot code (the engine, the kernels' glue, the training
 * loop) with its optimising compiler during the first second or so of training, on background
 * threads; done during a sweep, that competes with the other trainers for the cores, and the
 * thread's first trial runs at half speed. Here it takes ~0.9 s; about 0.5 s of compiling still
 * falls in a worker's first trial of a sweep (its dataset, its shapes), little in later ones.
 */
import { TrialConfig } from "@mtl/spec";
import { runTrial } from "./train.ts";

const WARM_UP = TrialConfig.parse({
  experiment: "warm-up",
  dataset: { name: "classification", options: { n_samples: 3000, n_features: 16, n_tasks: 2 } },
  tasks: [
    { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
    { name: "b", target: "task2", kind: "classification", metric: "f1" },
  ],
  model: { architecture: "hard-sharing", hidden: [32, 32] },
  strategy: "equal",
  training: { epochs: 12, batchSize: 16, learningRate: 0.01 },
  seed: 0,
});

/**
 * Trains the warm-up configuration on `backend` (default: the best that loads), stopping after
 * `budgetMs` (a slow backend would otherwise train for many seconds); returns its milliseconds.
 */
export async function warmUp(backend?: string, budgetMs = 1500): Promise<number> {
  const started = performance.now();
  const outcome = await runTrial(WARM_UP, {
    ...(backend ? { backend } : {}),
    shouldStop: () => (performance.now() - started > budgetMs ? "cancelled" : null),
  });
  if (outcome.status === "failed") throw new Error(`warm-up failed: ${outcome.error ?? ""}`);
  return performance.now() - started;
}
