import { existsSync, readdirSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fmtBytes } from "@mtl/analysis";
import { KEPT_KINDS, type KeptKind } from "@mtl/bus";
import { keepPolicyOf } from "@mtl/coordinator";
import { type BuiltinTrialConfig, InputError, isProgramTrial } from "@mtl/spec";
import { decodeKept, RecordError, TRAINER_PART, writeCheckpointDir } from "@mtl/worker";
import { type Command, Option } from "commander";
import { addStoreFlags, openCheckpoints, type StoreFlags } from "../checkpoint-stores.ts";
import { positiveInt } from "../cli-values.ts";
import { userPath } from "../load-experiment.ts";
import { commandOf } from "./index.ts";
import { openExisting } from "./trials.ts";

interface ExportFlags extends StoreFlags {
  out: string;
  which: KeptKind;
  sweep?: number;
}

/** A trial's number in its sweep, as `mtl trials` lists it (from 0). */
function trialNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
    throw new InputError(`TRIAL: expected a trial's number as \`mtl trials\` lists it (0, 1, …), got "${v}"`);
  return n;
}

export function register(program: Command): void {
  addStoreFlags(
    commandOf(program, "export")
      .argument("<trial>", "the trial's number in its sweep, as `mtl trials` lists it")
      .requiredOption("--out <dir>", "the folder to write (new or empty)")
      .addOption(
        new Option("--which <kind>", "the final weights or the best on the sweep objective")
          .choices([...KEPT_KINDS])
          .default("final"),
      )
      .option("--sweep <id>", "sweep id (default: the latest)", positiveInt("--sweep")),
  ).action(async (trialArg: string, opts: ExportFlags) => {
    const number = trialNumber(trialArg);
    const out = userPath(opts.out);
    if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0))
      throw new InputError(`--out: ${opts.out} exists and is not an empty folder`);
    const results = openExisting(opts.db);
    try {
      const sweep = opts.sweep ? results.getSweep(opts.sweep) : results.latestSweep();
      if (!sweep)
        throw new InputError(
          opts.sweep ? `--sweep: no sweep ${opts.sweep} in ${opts.db}` : `no sweeps in ${opts.db}`,
        );
      const trial = results.trialsOf(sweep.id).find((t) => t.number === number);
      if (!trial)
        throw new InputError(
          `TRIAL: sweep ${sweep.id} (${sweep.name}) has no trial ${number} (see mtl trials)`,
        );
      const checkpoints = await openCheckpoints(opts);
      try {
        const kept = await checkpoints.store.listModels(sweep.uid, trial.id);
        const entry = kept.find((m) => m.kind === opts.which);
        if (!entry) {
          const other = kept.map((m) => m.kind).filter((k) => k !== opts.which);
          throw new InputError(
            `trial ${number} of sweep ${sweep.id} (${trial.state}) has no kept ${opts.which} model` +
              (other.length
                ? ` (it has: ${[...new Set(other)].join(", ")}; use --which)`
                : ` (nothing kept: checkpoint.keep is ${JSON.stringify(keepPolicyOf(sweep))}; see mtl du)`),
          );
        }
        const bytes = await checkpoints.store.getModel(entry);
        if (!bytes)
          throw new InputError(`trial ${number}'s ${opts.which} model is gone (deleted meanwhile?)`);
        let model: ReturnType<typeof decodeKept>;
        try {
          model = decodeKept(bytes);
        } catch (error) {
          if (error instanceof RecordError)
            throw new InputError(`trial ${number}'s ${opts.which} model: ${error.message}`);
          throw error;
        }
        const what = `trial ${number} of sweep ${sweep.id}, ${opts.which} model of epoch ${model.epoch}`;
        if (isProgramTrial(model.config)) {
          writeCheckpointDir(out, model.parts);
          await writeFile(join(out, "mtl-trial.json"), `${JSON.stringify(model.config, null, 2)}\n`);
          process.stdout.write(
            `${opts.out}: ${what}: ${model.parts.length} file(s) of program ${model.config.program} (${fmtBytes(entry.bytes)}), its config in mtl-trial.json\n`,
          );
          return;
        }
        const weights = model.parts.find((p) => p.name === TRAINER_PART);
        if (!weights) throw new InputError(`trial ${number}'s ${opts.which} model holds no weights`);
        // Only this command needs TensorFlow.js: loaded here, not when the CLI starts.
        const { exportModel, CheckpointError } = await import("@mtl/trainer");
        try {
          const written = await exportModel(weights.bytes, out, {
            config: model.config as BuiltinTrialConfig,
          });
          process.stdout.write(
            `${opts.out}: ${what} as a TensorFlow.js ${written.format} (${written.files.join(", ")})` +
              (written.reason
                ? ` (not a Layers model: ${written.reason}; load it with @mtl/trainer's loadModel)`
                : "") +
              "\n",
          );
        } catch (error) {
          if (error instanceof CheckpointError)
            throw new InputError(`trial ${number}'s ${opts.which} model: ${error.message}`);
          throw error;
        }
      } finally {
        await checkpoints.close();
      }
    } finally {
      results.close();
    }
  });
}
