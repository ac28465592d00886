/**
 * `mtl check FILE…`: what `mtl run` validates, and then a proof that every distinct method and
 * architecture of each experiment trains: one short epoch on a small sample. CI runs it on every
 * file in experiments/, so a shipped experiment that cannot train fails the build.
 */
import { dirname } from "node:path";
import { InputError, isProgramTrial, type ProgramExperiment, type TrialConfig } from "@mtl/spec";
import { describeDataset } from "@mtl/trainer/catalog";
import { programTrialOf, runProgram } from "@mtl/worker";
import type { Command } from "commander";
import { positiveInt } from "../cli-values.ts";
import { embeddedDataDirs } from "../data-dirs.ts";
import { addLimitFlags, type LimitFlags, limitsOf } from "../limit-flags.ts";
import { loadExperiment } from "../load-experiment.ts";
import { EXIT } from "../run-summary.ts";
import {
  assertBackend,
  assertPlannable,
  assertValidExperiment,
  distinctConfigurations,
  withNameProblems,
} from "../validate.ts";
import { commandOf } from "./index.ts";

interface CheckFlags extends LimitFlags {
  backend?: string;
  samples: number;
  epochs: number;
}

export const CHECK_HELP = `
Exit codes:
  0  every file is valid and every configuration trained
  2  a file is invalid (its problems are listed; nothing is trained for it)
  3  a configuration failed to train (its error is shown)`;

/** Checks one file; returns the exit code it deserves. */
async function checkFile(file: string, opts: CheckFlags, out: (l: string) => void): Promise<number> {
  const err = (l: string) => process.stderr.write(`${l}\n`);
  let loaded: Awaited<ReturnType<typeof loadExperiment>>;
  let dataDirs: string[];
  try {
    loaded = await loadExperiment(file).catch((e) =>
      withNameProblems(e, (rest) => ({
        baseDir: dirname(rest.path),
        dataDirs: embeddedDataDirs(rest.experiment, rest.path),
        limits: limitsOf(opts),
        programs: "embedded",
      })),
    );
    dataDirs = embeddedDataDirs(loaded.experiment, loaded.path);
    await assertValidExperiment(loaded.experiment, file, {
      baseDir: dirname(loaded.path),
      dataDirs,
      limits: limitsOf(opts),
      programs: "embedded",
    });
    assertPlannable(loaded.experiment);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    err(`mtl: ${error.message}`);
    for (const d of error.details) err(`  ${d}`);
    return EXIT.badInput;
  }
  const { experiment, path } = loaded;
  const configs = distinctConfigurations(experiment);
  if (experiment.kind === "program") return checkProgram(file, experiment, path, configs, opts, out);
  const data = await describeDataset(experiment.dataset, { baseDir: dirname(path), dataDirs });
  const features = data.features ? ` · features ${data.features.join(", ")}` : "";
  out(
    `${file}: ${experiment.name} · dataset ${experiment.dataset.name}${features} · ${configs.length} configuration(s), ${opts.epochs} epoch(s) on ≤ ${opts.samples} samples each`,
  );
  const smoke = { samples: opts.samples, epochs: opts.epochs };
  // TensorFlow.js loads only here, once a valid file is about to train: validation stays fast.
  const { runTrial } = await import("@mtl/trainer");
  let failed = 0;
  for (const { label, config } of configs) {
    const started = performance.now();
    let error: string | undefined;
    try {
      const outcome = await runTrial(config, {
        dataDirs,
        smoke,
        ...(opts.backend ? { backend: opts.backend } : {}),
      });
      if (outcome.status !== "completed") error = outcome.error ?? outcome.status;
    } catch (e) {
      error = (e as Error).message;
    }
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (error) failed++;
    out(`  ${error ? "FAIL" : "ok  "} ${label}${features} · ${secs} s${error ? `: ${error}` : ""}`);
  }
  return failed > 0 ? EXIT.trialsFailed : EXIT.ok;
}

/**
 * A program's experiment: the program runs once per distinct method for `--epochs`, told by
 * `smoke: true` in its trial to train briefly; it must report and exit 0.
 */
async function checkProgram(
  file: string,
  experiment: ProgramExperiment,
  path: string,
  configs: { label: string; config: TrialConfig }[],
  opts: CheckFlags,
  out: (l: string) => void,
): Promise<number> {
  const command = experiment.programs?.[experiment.program] ?? [];
  out(
    `${file}: ${experiment.name} · program ${experiment.program} (${command.join(" ")}) · ${configs.length} configuration(s), ${opts.epochs} epoch(s), smoke run`,
  );
  let failed = 0;
  for (const { label, config } of configs) {
    const started = performance.now();
    let error: string | undefined;
    try {
      const short = { ...config, training: { ...config.training, epochs: opts.epochs } };
      if (!isProgramTrial(short)) throw new Error("not a program's trial");
      const run = runProgram(programTrialOf(short, { trial: 0, attempt: 1 }, true), {
        command,
        cwd: dirname(path),
      });
      const outcome = await run.outcome;
      if (outcome.status !== "completed") error = outcome.error ?? outcome.status;
    } catch (e) {
      error = (e as Error).message;
    }
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (error) failed++;
    out(`  ${error ? "FAIL" : "ok  "} ${label} · ${secs} s${error ? `: ${error}` : ""}`);
  }
  return failed > 0 ? EXIT.trialsFailed : EXIT.ok;
}

export function register(program: Command): void {
  addLimitFlags(
    commandOf(program, "check")
      .argument("<files...>", "experiment files")
      .option("--backend <name>", "tensorflow-gpu, tensorflow, wasm or cpu (default: the best that loads)")
      .option(
        "--samples <n>",
        "samples each configuration trains and evaluates on",
        positiveInt("--samples"),
        256,
      )
      .option("--epochs <n>", "epochs each configuration trains", positiveInt("--epochs"), 1),
  )
    .addHelpText("after", CHECK_HELP)
    .action(async (files: string[], opts: CheckFlags) => {
      assertBackend(opts.backend);
      const out = (l: string) => process.stdout.write(`${l}\n`);
      let code: number = EXIT.ok;
      for (const file of files) {
        const c = await checkFile(file, opts, out);
        // Bad input outranks a failed training: the file must be fixed first.
        if (c === EXIT.badInput || code === EXIT.ok) code = c === EXIT.ok ? code : c;
      }
      process.exitCode = code;
    });
}
