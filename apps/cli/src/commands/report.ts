/**
 * `mtl report`: writes a sweep's report into a directory: report.html (self-contained, inline
 * SVG), summary.md, plots/*.svg, and plots/*.png screenshots taken with headless Chromium.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import {
  decodePng,
  HEADLESS_CHROMIUM_FLAGS,
  inkStats,
  type KeptModelRow,
  PLOT_DIR,
  type Plot,
  renderReport,
  renderSweepComparison,
  screenshotPage,
} from "@mtl/analysis";
import { redactUrl } from "@mtl/bus";
import { InputError } from "@mtl/spec";
import type { Store } from "@mtl/store";
import type { Command } from "commander";
import { openCheckpoints } from "../checkpoint-stores.ts";
import { userPath } from "../load-experiment.ts";
import { addNatsFlags, type NatsFlags } from "../nats-flags.ts";
import {
  type AnalysisCliOptions,
  analysisOptions,
  experimentOf,
  findSweep,
  loadTrials,
  toCompareOptions,
} from "./compare.ts";
import { commandOf } from "./index.ts";
import { openExisting } from "./trials.ts";

const run = promisify(execFile);

/** Chromium to screenshot with: $MTL_CHROMIUM, else the usual names on PATH. */
export function findChromium(): string | undefined {
  const env = process.env.MTL_CHROMIUM;
  if (env) return existsSync(env) ? env : undefined;
  const names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  for (const dir of (process.env.PATH ?? "").split(delimiter))
    for (const n of names) if (dir && existsSync(join(dir, n))) return join(dir, n);
  return undefined;
}

function chromiumArgs(profile: string, png: string, plot: Plot, page: string): string[] {
  return [
    ...HEADLESS_CHROMIUM_FLAGS,
    "--hide-scrollbars",
    `--user-data-dir=${profile}`,
    `--screenshot=${png}`,
    `--window-size=${plot.width},${plot.height}`,
    `file://${page}`,
  ];
}

/**
 * Screenshots each plot into `<out>/plots/<name>.png`, two at a time (two cores here), and checks
 * each picture shows something. Returns one warning per plot that failed.
 */
export async function screenshotPlots(
  chromium: string,
  plots: readonly Plot[],
  out: string,
): Promise<string[]> {
  const tmp = mkdtempSync(join(tmpdir(), "mtl-report-"));
  const warnings: string[] = [];
  try {
    const queue = [...plots];
    const worker = async (slot: number) => {
      // One profile per concurrent browser: two instances cannot share one.
      const profile = join(tmp, `profile-${slot}`);
      for (let plot = queue.shift(); plot; plot = queue.shift()) {
        const page = join(tmp, `${plot.name}.html`);
        writeFileSync(page, screenshotPage(plot));
        const png = join(out, PLOT_DIR, `${plot.name}.png`);
        try {
          await run(chromium, chromiumArgs(profile, png, plot, page), { timeout: 60_000 });
          const ink = inkStats(decodePng(readFileSync(png)));
          if (ink.inked < 0.01) warnings.push(`${plot.name}.png looks blank`);
        } catch (error) {
          warnings.push(`no ${plot.name}.png: ${(error as Error).message.split("\n")[0]}`);
        }
      }
    };
    await Promise.all([worker(0), worker(1)]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return warnings;
}

export function register(program: Command): void {
  const command = analysisOptions(
    commandOf(program, "report").argument(
      "[sweeps...]",
      "sweep id or name (default: the latest); two to compare them",
    ),
  )
    .requiredOption("--out <dir>", "directory to write the report into")
    .option("--tasks <a,b>", "the two tasks of the Pareto plot (default: every pair)")
    .option("--no-png", "skip the PNG screenshots")
    .option("--nats <url>", "list the kept models of workers over NATS (the namespace's object store)");
  addNatsFlags(command, { jetstream: false }).action(
    async (
      which: string[],
      opts: AnalysisCliOptions & NatsFlags & { out: string; tasks?: string; png: boolean; nats?: string },
    ) => {
      const options = toCompareOptions(opts);
      if (which.length > 2)
        throw new InputError(
          `expected at most two sweeps (to compare them), got ${which.length}: ${which.join(" ")}`,
        );
      let paretoTasks: [string, string] | undefined;
      if (opts.tasks) {
        const t = opts.tasks.split(",").map((s) => s.trim());
        if (t.length !== 2 || !t[0] || !t[1])
          throw new InputError(`--tasks: expected two task names like a,b, got "${opts.tasks}"`);
        paretoTasks = [t[0], t[1]];
      }
      const chromium = opts.png ? findChromium() : undefined;
      const store = openExisting(opts.db);
      let report: ReturnType<typeof renderReport>;
      let sweepLine: string;
      try {
        const chosen = (which.length ? which : [undefined]).map((w) => findSweep(store, opts.db, w));
        const loaded = chosen.map((sweep) => ({ sweep, trials: loadTrials(store, sweep.id, true) }));
        const line = ({ sweep, trials }: (typeof loaded)[number]) =>
          `sweep ${sweep.id} · ${trials.filter((t) => t.state === "completed").length} of ${trials.length} trials completed`;
        sweepLine = `${loaded.map(line).join("; ")} · ${opts.db}`;
        if (paretoTasks) {
          const known = new Set(
            loaded.flatMap((l) => l.trials.flatMap((t) => t.config.tasks.map((x) => x.name))),
          );
          const bad = paretoTasks.filter((t) => !known.has(t));
          if (bad.length)
            throw new InputError(`--tasks: no task ${bad.join(", ")}; tasks: ${[...known].join(", ")}`);
        }
        const common = {
          ...options,
          subtitle: sweepLine,
          imageExt: chromium ? ("png" as const) : ("svg" as const),
          ...(paretoTasks ? { paretoTasks } : {}),
        };
        const [a, b] = loaded;
        report = b
          ? renderSweepComparison(
              {
                name: `sweep ${a!.sweep.id} (${a!.sweep.name})`,
                trials: a!.trials,
                experiment: experimentOf(a!.sweep),
              },
              {
                name: `sweep ${b.sweep.id} (${b.sweep.name})`,
                trials: b.trials,
                experiment: experimentOf(b.sweep),
              },
              {
                ...common,
                title: `Sweep ${a!.sweep.id} (${a!.sweep.name}) vs sweep ${b.sweep.id} (${b.sweep.name})`,
              },
            )
          : renderReport(a!.trials, experimentOf(a!.sweep), {
              ...common,
              title: `Sweep ${a!.sweep.id}: ${a!.sweep.name}`,
              kept: await keptRows(store, a!.sweep.id, opts),
            });
      } finally {
        store.close();
      }
      const out = userPath(opts.out);
      for (const f of report.files) {
        const path = join(out, f.name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
      }
      const say = (s: string) => process.stdout.write(`${s}\n`);
      say(`${sweepLine}`);
      say(
        `wrote ${join(opts.out, "report.html")}, summary.md and ${report.plots.length} plot(s) in ${join(opts.out, PLOT_DIR)}`,
      );
      if (!opts.png) return;
      if (!chromium) {
        process.stderr.write(
          "mtl: no PNGs: Chromium not found (install it, e.g. `apt-get install chromium`, or set MTL_CHROMIUM); summary.md links the SVGs\n",
        );
        return;
      }
      const warnings = await screenshotPlots(chromium, report.plots, out);
      for (const w of warnings) process.stderr.write(`mtl: ${w}\n`);
      say(
        `PNG: ${report.plots.length - warnings.length} of ${report.plots.length} plot(s) rendered with ${chromium}`,
      );
    },
  );
}

/**
 * The sweep's kept models, as the report lists them: in the folder beside the results file, or
 * with `--nats` in the namespace's object store.
 */
async function keptRows(
  store: Store,
  sweepId: number,
  flags: NatsFlags & { db: string; nats?: string },
): Promise<KeptModelRow[]> {
  const sweep = store.getSweep(sweepId);
  if (!sweep) return [];
  const { db } = flags;
  const numbers = new Map(store.trialsOf(sweepId).map((t) => [t.id, t.number]));
  const kept = await openCheckpoints(flags);
  const models = await kept.store.listModels(sweep.uid).finally(() => kept.close());
  return models.flatMap((m) => {
    const trial = numbers.get(m.trialId);
    if (trial === undefined) return [];
    const which = m.kind === "best" ? " --which best" : "";
    const nats = flags.nats ? ` --nats ${redactUrl(flags.nats)}` : "";
    const command = `mtl export ${trial} --sweep ${sweepId}${which} --db ${db}${nats} --out DIR`;
    return [{ trial, kind: m.kind, epoch: m.epoch, bytes: m.bytes, command }];
  });
}
