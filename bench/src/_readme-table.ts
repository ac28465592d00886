/**
 * The README's performance table, rendered from the benches' last results (bench/results/*.json,
 * written by `_results.ts`): a row (or two) per bench, every figure from its JSON, the targets'
 * met/missed from its booleans. `pnpm bench readme` (readme.ts) writes it between the README's
 * markers; readme-table.test.ts checks that the README holds what the committed results render.
 * A bench or part with no results renders no row.
 */
import { readdirSync } from "node:fs";
import {
  type CheckpointPerTrialFigures,
  type CheckpointSweepFigures,
  type CliDashFigures,
  type CliStartupFigures,
  type FewShotFigures,
  type Fig,
  type OrchestrationNoopFigures,
  type OrchestrationScalingFigures,
  type Part,
  type ProgramFigures,
  RESULTS_DIR,
  type Results,
  type RunInfo,
  readResults,
  type ScaleSizesFigures,
  type ScaleWorkersFigures,
  type SearchMethodFigures,
  type SweepFigures,
  type TrainModelFigures,
} from "./_results.ts";

/** One row of the table. */
export interface Row {
  benchmark: string;
  figure: string;
}

export const START = "<!-- bench-table:start -->";
export const END = "<!-- bench-table:end -->";

/** The benches the table has rows for, in the table's order of first appearance. */
export const BENCHES = ["train", "orchestration", "search", "sweep", "program", "checkpoint", "cli", "scale"];

// ——— Formatting ———

/** `x` with `digits` decimals and thousands separators. */
const num = (x: number, digits: number) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A figure (or a range over runs, "a–b") with `digits` decimals, times `scale`. */
export function fig(x: Fig, digits: number, scale = 1): string {
  if (!Array.isArray(x)) return num(x * scale, digits);
  const [a, b] = [num(x[0] * scale, digits), num(x[1] * scale, digits)];
  return a === b ? a : `${a}–${b}`;
}

/** A ratio to two significant digits (0.08, 0.95, 5.9), or a range of them. */
function sig(x: Fig): string {
  const one = (v: number) => String(Number(v.toPrecision(2)));
  if (!Array.isArray(x)) return one(x);
  const [a, b] = [one(x[0]), one(x[1])];
  return a === b ? a : `${a}–${b}`;
}

const pct = (x: Fig, digits = 0) => `${fig(x, digits, 100)}%`;
/** A signed percentage: +0.1%, −6.6%. */
const signedPct = (x: number, digits = 1) => `${x < 0 ? "−" : "+"}${num(Math.abs(x) * 100, digits)}%`;
const met = (ok: boolean) => (ok ? "met" : "missed");
const bytes = (n: number) =>
  n < 1024 * 1024 ? `${num(n / 1024, 1)} KiB` : `${num(n / (1024 * 1024), 2)} MiB`;
/** 1000 → "1k", 50000 → "50k", 1500 → "1,500". */
const count = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : num(n, 0));

/**
 * When and under what load these figures were measured: "(measured 2026-12-02, load 3.1–4.0)",
 * or with the README's words where the load was not recorded ("quiet machine", "under load").
 */
export function context(...runs: RunInfo[]): string {
  const dates = [...new Set(runs.map((r) => r.measuredAt.slice(0, 10)))].sort();
  const loads = runs.flatMap((r) => [r.loadStart, r.loadEnd]).filter((l): l is number => l !== null);
  const machine = [...new Set(runs.map((r) => r.machine).filter((m) => m !== undefined))];
  const said = [
    ...(loads.length ? [`load ${fig([Math.min(...loads), Math.max(...loads)], 1)}`] : []),
    ...machine,
  ];
  return `(measured ${dates.join(" and ")}${said.length ? `, ${said.join(", ")}` : ""})`;
}

// ——— The rows ———

type Parts = Record<string, Part | undefined>;

interface RowSpec {
  bench: string;
  /** The parts the row reads. */
  parts: string[];
  /** Render when any of the parts is there (not only when all are). */
  any?: boolean;
  render(parts: Parts): Row;
}

const as = <F extends object>(p: Part | undefined) => p as Part<F>;

function trainRow(title: (f: TrainModelFigures) => string, perSec: "steps" | "samples") {
  return (parts: Parts): Row => {
    const [name] = Object.keys(parts);
    const f = as<TrainModelFigures>(parts[name as string]);
    const fast = f.fast
      ? perSec === "steps"
        ? `${fig(f.fast.stepsPerSec, 0)} steps/s`
        : `${fig(f.fast.samplesPerSec, 0)} samples/s`
      : "our kernels not active";
    const torch = f.fastVsPytorchPerRound
      ? `${sig(f.fastVsPytorchPerRound)}× PyTorch per round`
      : "no PyTorch";
    const tfjs = f.tfjsVsFast === null ? "" : `; tfjs's own kernels ${sig(f.tfjsVsFast)}× ours`;
    return { benchmark: title(f), figure: `${fast}; ${torch}${tfjs} ${context(f.run)}` };
  };
}

function fewShotRow(parts: Parts): Row {
  const f = as<FewShotFigures>(parts.fewshot);
  return {
    benchmark: `few-shot MNIST evaluation (${num(f.tasks, 0)} 5-way 1-shot tasks, 784 → 64 → 64 → 5, 10 steps), wasm`,
    figure:
      `${fig(f.fast.ms, 0)} ms, batched [tasks, n, d] products on the SIMD kernels; ` +
      `${fig(f.batchedByTfjs.ms, 0)} ms before them (×${fig(f.batchedByTfjs.ratio, 2)}), ` +
      `${fig(f.tfjsKernels.ms, 0)} ms with \`MTL_ACCEL=off\` (×${fig(f.tfjsKernels.ratio, 2)}); ` +
      (f.sameAccuracy ? "same accuracy" : "the accuracies differ"),
  };
}

function noopRow(parts: Parts): Row {
  const f = as<OrchestrationNoopFigures>(parts.noop);
  const nats =
    f.nats.loaded.perSecond === undefined ? "" : `NATS ${fig(f.nats.loaded.perSecond, 0)} trials/s`;
  const p50 = f.nats.unloaded?.p50 === undefined ? "" : ` (p50 ${fig(f.nats.unloaded.p50, 0)} ms unloaded)`;
  const embedded =
    f.embedded.loaded.perSecond === undefined
      ? ""
      : `embedded ${fig(f.embedded.loaded.perSecond, 0)} trials/s`;
  const target = f.natsTargetMet === null ? "" : `; target ≥ 300 trials/s over NATS: ${met(f.natsTargetMet)}`;
  return {
    benchmark: "no-op trials, dispatch → result committed in SQLite, 2 workers",
    figure: `${[`${nats}${p50}`, embedded].filter(Boolean).join(", ")}${target}`,
  };
}

function scalingRow(parts: Parts): Row {
  const f = as<OrchestrationScalingFigures>(parts.scaling);
  const system =
    f.systemShare === null
      ? ""
      : `; coordinator, worker main threads and nats-server ${pct(f.systemShare, 1)} of the CPU` +
        (f.systemTargetMet === null ? "" : ` (target ≤ 5%: ${met(f.systemTargetMet)})`);
  return {
    benchmark: `${f.trials} CPU-bound trials (~${fig(f.trialSeconds, 1)} s each), 2 NATS workers vs 1, median of ${f.rounds} rounds`,
    figure:
      `×${fig(f.natsSpeedup, 2)} vs 2 bare trainers ×${fig(f.bareSpeedup, 2)} = ${pct(f.keptShare)} of their ` +
      `speed-up (target ≥ 95%: ${met(f.keptTargetMet)})${system} ${context(f.run)}`,
  };
}

const SEARCH_NAMES: Record<string, string> = { asha: "ASHA", random: "random", tpe: "TPE" };

function searchRow(parts: Parts): Row {
  const grid = parts.grid as Part<SearchMethodFigures> | undefined;
  /** A method against grid: as its run measured it, or from the grid part (runs agree: seeded). */
  const vs = (name: string): SearchMethodFigures["vsGrid"] => {
    const m = parts[name] as Part<SearchMethodFigures> | undefined;
    if (!m) return null;
    if (m.vsGrid) return m.vsGrid;
    if (m.best === undefined || m.epochs === undefined || grid?.best === undefined || !grid.epochs)
      return null;
    const best = m.best / grid.best;
    return {
      best,
      outcome: best > 1.0005 ? "beats" : best >= 0.9995 ? "matches" : "below",
      epochs: m.epochs / grid.epochs,
    };
  };
  const verb = (v: NonNullable<SearchMethodFigures["vsGrid"]>, plural: boolean) =>
    v.outcome === "below"
      ? v.best === null
        ? `fall${plural ? "" : "s"} short of`
        : `reach${plural ? "" : "es"} ${pct(v.best, 1)} of`
      : plural
        ? v.outcome.slice(0, -1)
        : v.outcome;
  const clauses: string[] = [];
  const asha = vs("asha");
  if (asha)
    clauses.push(
      `ASHA ${verb(asha, false)} grid's best with ${pct(asha.epochs)} of its epochs` +
        (asha.targetMet === undefined ? "" : ` (target ≥ 99% of it with ≤ 30%: ${met(asha.targetMet)})`),
    );
  const others = ["random", "tpe"].flatMap((name) => {
    const v = vs(name);
    return v ? [{ name: SEARCH_NAMES[name] as string, v }] : [];
  });
  const it = asha ? "it" : "grid's best";
  const [a, b] = others;
  if (a && b && verb(a.v, true) === verb(b.v, true) && pct(a.v.epochs) === pct(b.v.epochs))
    clauses.push(`${a.name} and ${b.name} ${verb(a.v, true)} ${it} with ${pct(a.v.epochs)}`);
  else for (const o of others) clauses.push(`${o.name} ${verb(o.v, false)} ${it} with ${pct(o.v.epochs)}`);
  return { benchmark: "search: best val accuracy vs epochs spent", figure: clauses.join("; ") };
}

function sweepRow(parts: Parts): Row {
  const f = as<SweepFigures>(parts.quickstart);
  const optuna = f.optunaVersion ? ` ${f.optunaVersion.split(".").slice(0, 2).join(".")}` : "";
  const benchmark = `the quickstart's ${f.trials} trials, \`mtl run\` vs Optuna${optuna} (SQLite, \`n_jobs\` ${f.jobs}) + PyTorch`;
  if (!f.optuna || !f.roundRatios)
    return {
      benchmark,
      figure: `MTL Lab ${f.mtl.seconds === undefined ? "–" : fig(f.mtl.seconds, 1)} s; ${f.skipped ?? "optuna side skipped"}`,
    };
  const [low] = f.roundRatios;
  const q = f.quietestRound;
  const detail = [
    ...(f.speed === null ? [] : [`median ${fig(f.speed, 2)}×`]),
    ...(q ? [`quietest round ${fig(q.mtlSeconds, 0)} s vs ${fig(q.optunaSeconds, 0)} s`] : []),
  ];
  const targets =
    f.speedTargetMet === null
      ? ""
      : `; target ≥ 2× at equal accuracy: speed ${met(f.speedTargetMet)}` +
        (f.accuracyTargetMet === null ? "" : `, accuracy ${met(f.accuracyTargetMet)}`);
  return {
    benchmark,
    figure:
      `MTL Lab ${fig(f.roundRatios, 2)}× ${low >= 1 ? "faster" : "Optuna's speed"} per round` +
      `${detail.length ? ` (${detail.join("; ")})` : ""}, ` +
      `test MSE ${fig(f.mtl.testMse, 3)} vs ${fig(f.optuna.testMse, 3)}${targets}`,
  };
}

function programRow(parts: Parts): Row {
  const f = as<ProgramFigures>(parts.program);
  return {
    benchmark: "a program trial, launch to first report (`pnpm bench program`, torch-mtl)",
    figure:
      `${fig(f.mtl.bestMs / 1000, 2)} s through MTL Lab vs ${fig(f.byHand.bestMs / 1000, 2)} s by hand ` +
      `(best of ${f.rounds}, alternating): ${f.overheadMs <= 0 ? "no overhead seen" : `${fig(f.overheadMs, 0)} ms overhead`}`,
  };
}

function checkpointRow(parts: Parts): Row {
  const f = as<CheckpointPerTrialFigures>(parts.perTrial);
  const clauses: string[] = [];
  const q = f.models.quickstart;
  if (q) clauses.push(`quickstart model ${bytes(q.checkpointBytes)} in ${fig(q.msPerSave, 1)} ms`);
  const m = f.models.mnist;
  if (m)
    clauses.push(
      `MNIST CNN ${bytes(m.checkpointBytes)} in ${fig(m.msPerSave, 1)} ms` +
        (m.everyEpoch ? ` (${pct(m.everyEpoch.share, 1)} of the trial at 1/epoch)` : ""),
    );
  return {
    benchmark: "checkpoint of a trial (`pnpm bench checkpoint`, wasm)",
    figure: `${clauses.join("; ")} ${context(f.run)}`,
  };
}

function checkpointSweepRow(parts: Parts): Row {
  const f = as<CheckpointSweepFigures>(parts.sweep);
  return {
    benchmark: "quickstart sweep, checkpoints + kept models vs none (`pnpm bench checkpoint`)",
    figure:
      `${signedPct(f.overhead)} (medians ${fig(f.onMs / 1000, 1)} s vs ${fig(f.offMs / 1000, 1)} s, ${f.rounds} rounds): ` +
      `target ≤ +3%: ${met(f.targetMet)}` +
      (f.targetMet ? " — best weights are held on the device and written once" : ""),
  };
}

function cliStartupRow(parts: Parts): Row {
  const f = as<CliStartupFigures>(parts.startup);
  const built = f.commands.filter((c) => c.name.endsWith(" (built)"));
  const short = (name: string) => name.replace(/^mtl /, "").replace(/ \(built\)$/, "");
  const targets = built.filter((c) => c.target !== undefined && c.targetMet !== undefined);
  const verdicts = [...new Set(targets.map((c) => met(c.targetMet as boolean)))];
  return {
    benchmark: `\`mtl\` start-up, built, ratio to \`node -e 0\` (\`pnpm bench cli\`, median of ${f.rounds})`,
    figure:
      built.map((c) => `\`${short(c.name)}\` ${fig(c.ratio, 1)}×`).join(", ") +
      (f.tsxRatios ? ` (sources via tsx: ${fig(f.tsxRatios, 1)}×)` : "") +
      (targets.length
        ? `; targets ≤ ${targets.map((c) => `${c.target}×`).join("/")}: ` +
          (verdicts.length === 1 ? verdicts[0] : targets.map((c) => met(c.targetMet as boolean)).join("/"))
        : ""),
  };
}

function cliDashRow(parts: Parts): Row {
  const f = as<CliDashFigures>(parts.dash);
  return {
    benchmark: `\`mtl dash\` first frame with trial rows, ${num(f.trials, 0)}-trial sweep, tmux (median of ${f.rounds})`,
    figure:
      // In ms: a figure at the target's edge must not round onto it.
      `${num(f.ms, 0)} ms = ${fig(f.ratio, 1)}× \`node -e 0\` ` +
      `(target ≤ 1 s: ${met(f.targetMet)}; see docs/scaling.md) ${context(f.run)}`,
  };
}

function scaleSizesRow(parts: Parts): Row {
  const paths = (["embedded", "nats"] as const).flatMap((name) => {
    const p = parts[name] as Part<ScaleSizesFigures> | undefined;
    const [first, last] = [p?.sizes[0], p?.sizes.at(-1)];
    return p && first && last ? [{ name: name === "nats" ? "NATS" : name, p, first, last }] : [];
  });
  const trials = paths.flatMap((x) => [x.first.trials, x.last.trials]);
  const span = `${count(Math.min(...trials))} → ${count(Math.max(...trials))}`;
  const changes = paths.map((x) => x.last.vsFirst);
  const ok = paths.every((x) => x.p.targetMet);
  const side = changes.every((c) => c < 0) ? "falls" : changes.every((c) => c > 0) ? "grows" : "varies";
  return {
    benchmark: `coordinator CPU per no-op trial, ${span} trials (\`pnpm bench scale\`${
      paths.some((x) => x.first.allCpuMsPerTrial !== undefined) ? ", after the first tenth" : ""
    })`,
    figure:
      paths
        .map((x) => `${x.name} ${fig(x.first.cpuMsPerTrial, 2)} → ${fig(x.last.cpuMsPerTrial, 2)} ms`)
        .join(", ") +
      ` (${side}: ${changes.map((c) => signedPct(c, 0)).join(", ")}; target flat ±20%: ${met(ok)}${!ok && side === "falls" ? ", on the low side" : ""}) ` +
      context(...paths.map((x) => x.p.run)),
  };
}

function scaleWorkersRow(parts: Parts): Row {
  const f = as<ScaleWorkersFigures>(parts.workers);
  const s = f.sleep;
  const ideal = (f.workers * 1000) / s.trialMs;
  return {
    benchmark: `one coordinator, ${f.workers} NATS worker processes, ${fig(s.trialMs / 1000, 0)} s trials (\`pnpm bench scale\`)`,
    figure:
      `${fig(s.perSecond, 1)} trials/s (${pct(s.perSecond / ideal)} of ${num(ideal, 0)}), dispatch p50 ${fig(s.p50, 0)} ms, ` +
      `p99 ${fig(s.p99, 0)} ms, coordinator ${pct(s.coordinatorCoreShare)} of a core`,
  };
}

/** Every row of the table, in its order: the bench and parts it reads, and how. */
const ROWS: RowSpec[] = [
  {
    bench: "train",
    parts: ["mlp"],
    render: trainRow(
      (f) => `training step, reference MLP (64 → 256 → 256, 2 heads, batch ${f.batch}, Adam), wasm`,
      "steps",
    ),
  },
  {
    bench: "train",
    parts: ["cnn"],
    render: trainRow(
      (f) => `training step, MNIST CNN (Conv 32 3×3 → MaxPool → 64, 3 heads, batch ${f.batch}), wasm`,
      "samples",
    ),
  },
  { bench: "train", parts: ["fewshot"], render: fewShotRow },
  { bench: "orchestration", parts: ["noop"], render: noopRow },
  { bench: "orchestration", parts: ["scaling"], render: scalingRow },
  { bench: "search", parts: ["grid", "asha", "random", "tpe"], any: true, render: searchRow },
  { bench: "sweep", parts: ["quickstart"], render: sweepRow },
  { bench: "program", parts: ["program"], render: programRow },
  { bench: "checkpoint", parts: ["perTrial"], render: checkpointRow },
  { bench: "checkpoint", parts: ["sweep"], render: checkpointSweepRow },
  { bench: "cli", parts: ["startup"], render: cliStartupRow },
  { bench: "cli", parts: ["dash"], render: cliDashRow },
  { bench: "scale", parts: ["embedded", "nats"], any: true, render: scaleSizesRow },
  { bench: "scale", parts: ["workers"], render: scaleWorkersRow },
];

/**
 * The table's rows from the benches' results (by bench name; undefined or absent: no results),
 * and what had none: "scale" for a bench without results, "scale: workers" for a missing part.
 */
export function readmeRows(results: Record<string, Results | undefined>): { rows: Row[]; missing: string[] } {
  const rows: Row[] = [];
  const missing: string[] = [];
  for (const bench of BENCHES) if (!results[bench]) missing.push(bench);
  for (const spec of ROWS) {
    const r = results[spec.bench];
    if (!r) continue;
    const parts: Parts = Object.fromEntries(spec.parts.map((p) => [p, r[p]]));
    const absent = spec.parts.filter((p) => !r[p]);
    if (absent.length) missing.push(`${spec.bench}: ${absent.join(", ")}`);
    // An `any` row (search, scale's sizes) renders from those of its parts there are.
    if (spec.any ? absent.length === spec.parts.length : absent.length > 0) continue;
    const row = spec.render(parts);
    if (row.figure.trim()) rows.push(row);
  }
  return { rows, missing };
}

/** Every bench's results in `dir` (bench/results by default). */
export function readAllResults(dir = RESULTS_DIR): Record<string, Results | undefined> {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    // no results folder: every bench is missing
  }
  return Object.fromEntries(
    BENCHES.filter((b) => files.includes(`${b}.json`)).map((b) => [b, readResults(b, dir)]),
  );
}

/** A markdown cell: pipes escaped. */
const cell = (s: string) => s.replace(/\|/g, "\\|");
/** Width as the formatter counts it: characters, not UTF-16 units. */
const width = (s: string) => [...s].length;

/**
 * The markdown table, padded as the project's formatter pads tables: every cell, and the
 * separator's dashes, to its column's width.
 */
export function renderTable(rows: Row[]): string {
  const lines = [["benchmark", "figure"], ...rows.map((r) => [cell(r.benchmark), cell(r.figure)])];
  const widths = [0, 1].map((i) => Math.max(3, ...lines.map((l) => width(l[i] as string))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + " ".repeat((widths[i] as number) - width(c))).join(" | ")} |`;
  const [header, ...body] = lines;
  return [line(header as string[]), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** The text between the README's markers, trimmed; undefined without both markers. */
export function tableIn(readme: string): string | undefined {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(a + START.length, b).trim();
}

/** The README with `table` between its markers (a blank line either side). */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README: no ${START} … ${END} markers`);
  return `${readme.slice(0, a + START.length)}\n\n${table}\n\n${readme.slice(b)}`;
}
