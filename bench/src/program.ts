/**
 * `pnpm bench program`: the per-trial overhead of a program trial — launch to first report — for
 * the torch-mtl example (examples/torch-mtl/train.py), against running the same script by hand.
 * "By hand" is `python3 train.py` with MTL_TRIAL set, timed from spawn to its first `@mtl` line;
 * "MTL Lab" is the worker's launcher (runProgram: trial file, environment, PYTHONPATH, stdout
 * parsing), timed from the call to the first epoch it reports. The two alternate, and the
 * fastest of each is compared: noise from other work only ever adds time.
 * Options: --rounds N (default 5).
 * The figures go to bench/results/program.json (part program) at the end.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ProgramTrialConfig } from "@mtl/spec";
import { PYTHON_HELPER_DIR, programTrialOf, runProgram } from "@mtl/worker";
import { pythonWith } from "../../examples/python.ts";
import { type ProgramFigures, saveResults, startRun } from "./_results.ts";

const folder = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "torch-mtl");

const config = ProgramTrialConfig.parse({
  experiment: "torch-mtl",
  program: "torch-mtl",
  tasks: [
    { name: "digit", kind: "classification", metric: "accuracy" },
    { name: "parity", kind: "classification", metric: "accuracy" },
    { name: "ge5", kind: "classification", metric: "accuracy" },
  ],
  strategy: { name: "fixed", options: {} },
  weights: { digit: 1, parity: 1, ge5: 1 },
  training: { epochs: 2, batchSize: 64, optimizer: "adam", learningRate: 0.003, weightDecay: 0 },
  seed: 0,
});

/** ms from spawn to the first `@mtl` line, running the script as a user would by hand. */
function byHand(python: string): Promise<number> {
  const trial = JSON.stringify(programTrialOf(config, { trial: 0, attempt: 1 }));
  const started = performance.now();
  const child = spawn(python, ["train.py"], {
    cwd: folder,
    env: { ...process.env, MTL_TRIAL: trial, PYTHONPATH: PYTHON_HELPER_DIR, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let first: number | undefined;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (first === undefined && line.startsWith("@mtl ")) first = performance.now() - started;
    });
    child.on("exit", (code) => (first !== undefined ? resolve(first) : reject(new Error(`exit ${code}`))));
  });
}

/** ms from runProgram's call to the first epoch it hands over. */
async function throughMtl(python: string): Promise<number> {
  const started = performance.now();
  let first: number | undefined;
  const run = runProgram(programTrialOf(config, { trial: 0, attempt: 1 }), {
    command: [python, "train.py"],
    cwd: folder,
    onEpoch: () => {
      first ??= performance.now() - started;
    },
  });
  const outcome = await run.outcome;
  if (outcome.status !== "completed" || first === undefined) throw new Error(outcome.error ?? outcome.status);
  return first;
}

export async function main(args: string[]): Promise<void> {
  const start = startRun(args);
  const at = args.indexOf("--rounds");
  const rounds = at >= 0 ? Number(args[at + 1]) : 5;
  const python = pythonWith("torch", "sklearn");
  const hand: number[] = [];
  const mtl: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternating which goes first, so that neither always gets the warmer file cache.
    if (i % 2 === 0) {
      hand.push(await byHand(python));
      mtl.push(await throughMtl(python));
    } else {
      mtl.push(await throughMtl(python));
      hand.push(await byHand(python));
    }
    process.stdout.write(
      `round ${i + 1}: by hand ${hand.at(-1)!.toFixed(0)} ms · MTL Lab ${mtl.at(-1)!.toFixed(0)} ms\n`,
    );
  }
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    `\nlaunch to first report, torch-mtl (${rounds} rounds): by hand best ${best(hand).toFixed(0)} ms, median ${median(hand).toFixed(0)} ms · ` +
      `MTL Lab best ${best(mtl).toFixed(0)} ms, median ${median(mtl).toFixed(0)} ms · ` +
      `overhead ${(best(mtl) - best(hand)).toFixed(0)} ms (×${(best(mtl) / best(hand)).toFixed(3)})\n`,
  );
  saveResults(
    "program",
    {
      program: {
        rounds,
        byHand: { bestMs: best(hand), medianMs: median(hand) },
        mtl: { bestMs: best(mtl), medianMs: median(mtl) },
        overheadMs: best(mtl) - best(hand),
      } satisfies ProgramFigures,
    },
    start,
  );
}
