/**
 * Short training runs on made-up data that a long-lived worker thread does once before it
 * takes trials. V8 compiles a thread's hot code (the engine, the kernels' glue, the training
 * loop) with its optimising compiler during the first seconds of training, on background
 * threads; done during a sweep, that competes with the other trainers for the cores, and the
 * thread's first trial runs slower.
 *
 * One run is not enough: a function optimised for the only trial it has seen is deoptimised by
 * the next one (new closures, other shapes, other branches of a kernel) and compiled again, and
 * that second compile used to land in the sweep's first trial (~0.5 s of compiling, measured
 * with --trace-opt). So the warm-up trains a few small, different configurations (the default
 * network and batch sizes, a narrower one, binary and three-class tasks, two optimisers):
 * what it compiles has seen variety and stays compiled. The sweep's first trial then compiles
 * ~0.25 s instead of ~0.5 s. About 1 s on wasm here.
 */
import { BuiltinTrialConfig } from "@mtl/spec";
import { runTrial } from "./train.ts";

const run = (over: {
  options: Record<string, number>;
  hidden: number[];
  metric: string;
  training: Record<string, unknown>;
  seed: number;
}) =>
  BuiltinTrialConfig.parse({
    experiment: "warm-up",
    dataset: { name: "classification", options: { n_tasks: 2, ...over.options } },
    tasks: [
      { name: "a", target: "task1", kind: "classification", metric: "accuracy" },
      { name: "b", target: "task2", kind: "classification", metric: over.metric },
    ],
    model: { architecture: "hard-sharing", hidden: over.hidden },
    strategy: "equal",
    training: over.training,
    seed: over.seed,
  });

const WARM_UP = [
  run({
    options: { n_samples: 3000, n_features: 16 },
    hidden: [32, 32],
    metric: "f1",
    training: { epochs: 12, batchSize: 16, optimizer: "sgd", learningRate: 0.01 },
    seed: 0,
  }),
  run({
    options: { n_samples: 2000, n_features: 20, n_informative: 6, n_classes: 3 },
    hidden: [64, 64],
    metric: "accuracy",
    training: { epochs: 8, batchSize: 64, optimizer: "adam", learningRate: 0.002 },
    seed: 1,
  }),
  run({
    options: { n_samples: 4000, n_features: 12, n_informative: 5 },
    hidden: [64, 64],
    metric: "accuracy",
    training: { epochs: 3, batchSize: 32, optimizer: "adam", learningRate: 0.01 },
    seed: 2,
  }),
];

/**
 * Trains the warm-up configurations on `backend` (default: the best that loads), stopping after
 * `budgetMs` (a slow backend would otherwise train for many seconds); returns its milliseconds.
 */
export async function warmUp(
  backend?: string,
  budgetMs = 2500,
  /** The clock (injectable, so a test can stop it at its budget without timing anything). */
  now: () => number = () => performance.now(),
): Promise<number> {
  const started = now();
  const shouldStop = () => (now() - started > budgetMs ? "cancelled" : null);
  for (const config of WARM_UP) {
    const outcome = await runTrial(config, { ...(backend ? { backend } : {}), shouldStop });
    if (outcome.status === "failed") throw new Error(`warm-up failed: ${outcome.error ?? ""}`);
    if (outcome.status === "cancelled") break;
  }
  return now() - started;
}
