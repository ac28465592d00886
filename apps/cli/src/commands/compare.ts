/**
 * `mtl compare`: the comparison table of a sweep (mean ± std over seeds, 95% CI, Δm% against
 * single-task runs, p-values against a reference, rank, Pareto front) as text, Markdown, CSV or JSON.
 */

import {
  type CompareOptions,
  compare,
  renderCsv,
  renderJson,
  renderMarkdown,
  renderTable,
  type TrialRecord,
  wrapText,
} from "@mtl/analysis";
import { recordOf } from "@mtl/coordinator";
import { type Experiment, ExperimentSpec, InputError, SINGLE_TASK } from "@mtl/spec";
import type { Store, SweepRow } from "@mtl/store";
import type { Command } from "commander";
import { addBaselines } from "../baselines.ts";
import { DEFAULT_DB } from "../cli-values.ts";
import { terminalWidth } from "../table.ts";
import { commandOf } from "./index.ts";
import { openExisting } from "./trials.ts";

const FORMATS = ["table", "md", "csv", "json"] as const;
type Format = (typeof FORMATS)[number];

/** Options shared by compare and report. */
export interface AnalysisCliOptions {
  db: string;
  metric?: string;
  split?: string;
  reference?: string;
  by?: string;
  test?: string;
}

/** Adds the options compare and report share. */
export function analysisOptions(cmd: Command): Command {
  return cmd
    .option("--db <path>", "SQLite results file", DEFAULT_DB)
    .option("--metric <name>", 'metric for every task that reports it, or "all" (default: each task\'s own)')
    .option("--split <split>", "val, test or train (default: the sweep objective's split)")
    .option("--reference <row>", "row the p-values compare with (default: single-task, else equal)")
    .option(
      "--by <grouping>",
      "config (one row per configuration) or strategy (each strategy's best configuration, labelled)",
      "config",
    )
    .option("--test <name>", "welch (default) or permutation (exact on few seeds)", "welch");
}

/** Validates the shared options into the analysis package's options. */
export function toCompareOptions(opts: AnalysisCliOptions): CompareOptions {
  const out: CompareOptions = {};
  if (opts.metric) out.metric = opts.metric;
  if (opts.split !== undefined) {
    if (opts.split !== "test" && opts.split !== "val" && opts.split !== "train")
      throw new InputError(`--split: expected val, test or train, got "${opts.split}"`);
    out.split = opts.split;
  }
  if (opts.reference) out.reference = opts.reference;
  if (opts.by !== undefined) {
    if (opts.by === "config" || opts.by === "strategy") out.by = opts.by;
    else
      throw new InputError(
        `--by: expected config or strategy, got "${opts.by}" (rows are configurations: task weights have their own rows)`,
      );
  }
  if (opts.test !== undefined) {
    if (opts.test !== "welch" && opts.test !== "permutation")
      throw new InputError(`--test: expected welch or permutation, got "${opts.test}"`);
    out.test = opts.test;
  }
  return out;
}

/** The sweep named on the command line: an id, a name (its latest sweep), or by default the latest. */
export function findSweep(store: Store, db: string, which: string | undefined): SweepRow {
  if (which === undefined) {
    const latest = store.latestSweep();
    if (!latest) throw new InputError(`no sweeps in ${db}`);
    return latest;
  }
  if (/^\d+$/.test(which)) {
    const s = store.getSweep(Number(which));
    if (!s) throw new InputError(`no sweep ${which} in ${db}`);
    return s;
  }
  const named = store.listSweeps().filter((s) => s.name === which);
  const s = named[named.length - 1];
  if (!s)
    throw new InputError(
      `no sweep named "${which}" in ${db}; sweeps: ${
        store
          .listSweeps()
          .map((x) => `${x.id} ${x.name}`)
          .join(", ") || "none"
      }`,
    );
  return s;
}

/** The experiment a sweep was run with (stored validated; parsed again for this version's defaults). */
export function experimentOf(sweep: SweepRow): Experiment {
  const parsed = ExperimentSpec.safeParse(sweep.spec);
  if (!parsed.success) throw new Error(`sweep ${sweep.id} has an experiment this version cannot read`);
  return parsed.data;
}

/**
 * A sweep's trials as the analysis package takes them. Per-epoch metrics (the latest attempt's)
 * are read only when asked, since the comparison does not need them.
 */
export function loadTrials(store: Store, sweepId: number, withCurves: boolean): TrialRecord[] {
  return store.trialsOf(sweepId).map((t) => {
    const record = recordOf(t);
    if (withCurves)
      record.curves = store
        .metricsOf(t.id)
        .map((m) => ({ epoch: m.epoch, task: m.task, split: m.split, name: m.name, value: m.value }));
    return record;
  });
}

export function register(program: Command): void {
  analysisOptions(commandOf(program, "compare").argument("[sweep]", "sweep id or name (default: the latest)"))
    .option("--format <format>", FORMATS.join("|"), "table")
    .option("--with-baselines", "first run the single-task baselines the sweep lacks (for Δm%)")
    .action(
      async (
        which: string | undefined,
        opts: AnalysisCliOptions & { format: string; withBaselines?: boolean },
      ) => {
        if (!(FORMATS as readonly string[]).includes(opts.format))
          throw new InputError(`--format: expected one of ${FORMATS.join(", ")}, got "${opts.format}"`);
        const format = opts.format as Format;
        const options = toCompareOptions(opts);
        if (opts.withBaselines) {
          const probe = openExisting(opts.db);
          const target = findSweep(probe, opts.db, which);
          const missing = !probe.trialsOf(target.id).some((t) => t.method === SINGLE_TASK);
          probe.close();
          // Progress goes to stderr when the table must stay machine-readable.
          const say = (line: string) =>
            (format === "table" ? process.stdout : process.stderr).write(`${line}\n`);
          if (missing) await addBaselines(opts.db, target, say);
        }
        const store = openExisting(opts.db);
        try {
          const sweep = findSweep(store, opts.db, which);
          const trials = loadTrials(store, sweep.id, false);
          const cmp = compare(trials, experimentOf(sweep), options);
          const out = (s: string) => process.stdout.write(s);
          if (format === "table") {
            const done = trials.filter((t) => t.state === "completed").length;
            const whose = options.split ? "asked for" : "the sweep objective's";
            const width = terminalWidth();
            const head = `sweep ${sweep.id} · ${sweep.name} · ${done} of ${trials.length} trials completed · ${cmp.split} split (${whose})`;
            out(`${wrapText(head, width ?? Number.POSITIVE_INFINITY)}\n\n`);
            out(renderTable(cmp, { width }));
          } else if (format === "md") out(renderMarkdown(cmp));
          else if (format === "csv") out(renderCsv(cmp));
          else out(renderJson(cmp));
        } finally {
          store.close();
        }
      },
    );
}
