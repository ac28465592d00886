/**
 * `mtl report`: a self-contained HTML page (inline SVG, inline CSS and one small inline script
 * that sorts the trials table; no external assets, so it opens offline), the plots as standalone
 * SVG files, the trials as CSV, and a Markdown summary. Pure: it returns the files; the CLI writes
 * them and adds PNG screenshots of the plots. `renderSweepComparison` does the same for two sweeps.
 */
import { type Experiment, isSingleTask } from "@mtl/spec";
import { type CompareOptions, type CompareRow, type Comparison, compare } from "./compare.ts";
import {
  ci,
  columnTitle,
  decimalsFor,
  decimalsFromSpread,
  fmt,
  fmtBytes,
  fmtDuration,
  fmtNumber,
  fmtSigned,
  fmtValue,
  legend,
  MISSING,
  meanStd,
  metricBounds,
  pCell,
} from "./format.ts";
import { type Scored, scoredTrials, sweptParams } from "./importance.ts";
import {
  curvePlots,
  historyPlots,
  importancePlot,
  parallelPlot,
  paretoPlots,
  slicePlot,
  weightPlots,
  weightSweeps,
} from "./plots.ts";
import { metricOf, type TrialRecord } from "./records.ts";
import { renderMarkdown } from "./render-md.ts";
import { esc, PALETTE, type Plot } from "./svg/common.ts";
import { lineChart, type Series } from "./svg/lines.ts";

/** Options of {@link renderReport}. */
export interface ReportOptions extends CompareOptions {
  /** Page title. @default "Sweep report" */
  title?: string;
  /** The two tasks of the Pareto plot. @default every pair */
  paretoTasks?: [string, string];
  /** Image format summary.md links to ("svg" when no PNGs will be made). @default "png" */
  imageExt?: "png" | "svg";
  /** A line under the title (e.g. the database, the sweep, the time); kept out so output is reproducible. */
  subtitle?: string;
  /** The sweep's kept models (trial number, kind, epoch, size, the command that exports it): a section of their own. */
  kept?: readonly KeptModelRow[];
}

/** One kept model as the report lists it. */
export interface KeptModelRow {
  trial: number;
  kind: string;
  epoch: number;
  bytes: number;
  command: string;
}

/** A file of the report, relative to the output directory. */
export interface ReportFile {
  name: string;
  content: string;
}

/** The report: files to write, the plots (to screenshot as PNG), and the comparison behind it. */
export interface Report {
  files: ReportFile[];
  plots: Plot[];
  comparison: Comparison;
  notes: string[];
}

/** Directory (inside the output directory) of the plot files. */
export const PLOT_DIR = "plots";

/** Rows of the trials table on the page; trials.csv has every trial. */
export const TRIAL_ROWS = 2000;

interface Section {
  id: string;
  heading: string;
  html: string;
}

/** Renders the report for a sweep's trials; `experiment` is the sweep's (its objective ranks the rows). */
export function renderReport(
  trials: readonly TrialRecord[],
  experiment: Experiment,
  options: ReportOptions = {},
): Report {
  const title = options.title ?? "Sweep report";
  const cmp = compare(trials, experiment, options);
  // The plots draw every configuration, even when the table merges them by strategy.
  const byConfig = cmp.by === "config" ? cmp : compare(trials, experiment, { ...options, by: "config" });
  const notes: string[] = [];
  const scored = scoredTrials(trials, experiment, cmp.split);
  const params = sweptParams(scored.trials, experiment);

  const pareto = paretoPlots(byConfig, options.paretoTasks);
  if (pareto.length === 0) notes.push("No Pareto plot: it needs two tasks with results.");
  const curves = curvePlots(cmp, trials);
  if (curves.length === 0) notes.push("No learning curves: no per-epoch val metrics were recorded.");
  const weights = weightPlots(byConfig);
  if (weights.note) notes.push(weights.note);
  const history = historyPlots(scored);
  const importance = importancePlot(scored, params);
  const parallel = parallelPlot(scored, params);
  const slices = slicePlot(scored, params);
  if (params.length === 0)
    notes.push("No parameter plots: no parameter took more than one value over the multi-task trials.");
  else if (params.length === 1 && !importance)
    notes.push("No parameter importance: only one parameter varies, so there is nothing to rank it against.");
  else if (!importance)
    notes.push("No parameter importance: it needs six or more multi-task trials with an objective.");

  const plotSections: { id: string; heading: string; plots: Plot[]; text?: string }[] = [
    {
      id: "pareto",
      heading: "Pareto fronts",
      plots: pareto,
      text: `One point per configuration, ${byConfig.split} split${pareto.length > 1 ? ", for every pair of tasks" : ""}.`,
    },
    { id: "curves", heading: "Learning curves", plots: curves },
    ...(weightSweeps(byConfig).size > 0
      ? [{ id: "weights", heading: "Metric vs task weight", plots: weights.plots }]
      : []),
    { id: "history", heading: "Optimisation history", plots: history },
    {
      id: "parameters",
      heading: "Parameters",
      plots: [importance, parallel, slices].filter((p): p is Plot => p !== null),
    },
  ];
  const plots = plotSections.flatMap((s) => s.plots);
  const sections: Section[] = [
    { id: "summary", heading: "Summary", html: summaryHtml(cmp, trials, scored) },
    { id: "comparison", heading: "Comparison", html: comparisonHtml(cmp) },
    ...plotSections
      .filter((s) => s.plots.length > 0)
      .map((s) => ({ id: s.id, heading: s.heading, html: plotsHtml(s.plots, s.text) })),
    { id: "trials", heading: "Trials", html: trialsHtml(trials, cmp, experiment) },
    { id: "left-out", heading: "Failed, pruned and unfinished trials", html: leftOutHtml(cmp) },
    ...(options.kept?.length ? [{ id: "kept", heading: "Kept models", html: keptHtml(options.kept) }] : []),
    { id: "configuration", heading: "Experiment configuration", html: configHtml(experiment) },
  ];
  if (notes.length > 0)
    sections.push({
      id: "notes",
      heading: "Notes",
      html: `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`,
    });
  const html = page(title, options.subtitle, sections);
  const md = summaryMd(title, options.subtitle, cmp, plots, notes, options.imageExt ?? "png");
  return {
    files: [
      { name: "report.html", content: html },
      { name: "summary.md", content: md },
      { name: "trials.csv", content: trialsCsv(trials, cmp, experiment) },
      ...plots.map((p) => ({
        name: `${PLOT_DIR}/${p.name}.svg`,
        content: `<?xml version="1.0" encoding="UTF-8"?>\n${p.svg}\n`,
      })),
    ],
    plots,
    comparison: cmp,
    notes,
  };
}

const CSS = `
*{box-sizing:border-box}
body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 16px;line-height:1.4}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
nav{font-size:13px;margin:8px 0 16px}nav a{margin-right:12px;white-space:nowrap;display:inline-block}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;font-size:13px;margin:8px 0;max-width:100%}
th,td{padding:4px 6px;border-bottom:1px solid #e4e4e4;vertical-align:top}
th{background:#f4f4f4;text-align:right;font-weight:600}th.text,td.text{text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.label{min-width:7em;overflow-wrap:break-word}
.nb{white-space:nowrap}small{color:#666;font-size:11px;display:block;white-space:nowrap}
tr.reference td{background:#f3f7fc}tr.front td.label{font-weight:bold}
.wrap{max-width:100%;overflow-x:auto}
.legend{font-size:12px;color:#444;padding-left:20px}.notes{color:#8a5a00}
.plots{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;max-width:100%}figure svg{max-width:100%;height:auto;border:1px solid #eee;display:block}
#trials table{font-size:12px}small.wrap-ok{white-space:normal;overflow-wrap:break-word}
th button{font:inherit;background:none;border:0;padding:0;cursor:pointer;color:inherit;text-align:inherit}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
pre{background:#f7f7f7;padding:8px;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.state-failed{color:#b00020}.state-pruned{color:#8a5a00}.state-completed{color:#1b5e20}
`;

/** Sorts a table by the clicked column: numbers by value (data-v), text alphabetically; again reverses. */
const SORT_SCRIPT = `
document.querySelectorAll("table.sortable").forEach(function(table){
  table.querySelectorAll("th button").forEach(function(button, col){
    button.addEventListener("click", function(){
      var th = button.parentElement;
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function(h){ h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function(r){ var c = r.cells[col]; var v = c.getAttribute("data-v"); return v === null ? c.textContent : v; };
      rows.sort(function(a, b){
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var d = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : (isNaN(nx) !== isNaN(ny) ? (isNaN(nx) ? 1 : -1) : String(x).localeCompare(String(y)));
        return asc ? d : -d;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
});
`;

function page(
  title: string,
  subtitle: string | undefined,
  sections: readonly Section[],
  script = true,
): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    subtitle ? `<p class="sub">${esc(subtitle)}</p>` : "",
    `<nav>${sections.map((s) => `<a href="#${s.id}">${esc(s.heading)}</a>`).join("")}</nav>`,
    ...sections.map((s) => `<section id="${s.id}"><h2>${esc(s.heading)}</h2>\n${s.html}\n</section>`),
    script ? `<script>${SORT_SCRIPT}</script>` : "",
    "</body></html>\n",
  ]
    .filter(Boolean)
    .join("\n");
}

/** A legend line with its formula set as HTML: `x^{a}` as a superscript, `B_m` and `Δ_t` as subscripts. */
export function formulaHtml(text: string): string {
  return esc(text)
    .replace(
      /\^\{([^}]*)\}/g,
      (_m, inner: string) => `<sup>${inner.replace(/_(\w)/g, "<sub>$1</sub>")}</sup>`,
    )
    .replace(/([A-Za-zΔ])_(\w)\b/g, "$1<sub>$2</sub>");
}

function plotsHtml(plots: readonly Plot[], text?: string): string {
  return (
    (text ? `<p>${esc(text)}</p>` : "") +
    `<div class="plots">${plots.map((p) => `<figure id="plot-${esc(p.name)}">${p.svg}</figure>`).join("\n")}</div>`
  );
}

function summaryHtml(cmp: Comparison, trials: readonly TrialRecord[], scored: Scored): string {
  const states = new Map<string, number>();
  for (const t of trials) states.set(t.state, (states.get(t.state) ?? 0) + 1);
  const times = trials.flatMap((t) => (t.startedAt && t.finishedAt ? [t.finishedAt - t.startedAt] : []));
  const starts = trials.flatMap((t) => (t.startedAt ? [t.startedAt] : []));
  const ends = trials.flatMap((t) => (t.finishedAt ? [t.finishedAt] : []));
  const best = cmp.rows.find((r) => r.rank === 1);
  const items = [
    `${trials.length} trials: ${[...states].map(([s, n]) => `${n} ${s}`).join(", ")}.`,
    starts.length && ends.length
      ? `Wall time ${fmtDuration(Math.max(...ends) - Math.min(...starts))}; a trial took ${fmtDuration(Math.min(...times))} to ${fmtDuration(Math.max(...times))} (median ${fmtDuration(median(times))}).`
      : "",
    best
      ? `Top-ranked by ${cmp.objective.names.join(", ")} on the ${cmp.split} split: <b>${esc(best.label)}</b> (${esc(best.objective?.map((v) => fmtNumber(v)).join(", ") ?? MISSING)}${cmp.hasBaseline && best.deltaM ? `; Δm% ${esc(fmtSigned(best.deltaM.mean, 1))}` : ""}).`
      : "",
    `Pareto front: ${cmp.rows
      .filter((r) => r.onParetoFront)
      .map((r) => esc(r.label))
      .join(", ")}.`,
    scored.trials.length ? `${scored.trials.length} multi-task trials with an objective value.` : "",
  ].filter(Boolean);
  return `<ul>${items.map((i) => `<li>${i}</li>`).join("")}</ul>`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : Number.NaN;
}

/**
 * The comparison as an HTML table that fits a narrow page: each cell is the mean ± std with the
 * interval and p under it, so there are as many columns as tasks, not three times as many.
 */
function comparisonHtml(cmp: Comparison): string {
  const pct = Math.round(cmp.level * 100);
  const dec = cmp.columns.map((_, i) =>
    decimalsFromSpread(
      cmp.rows.map((r) => r.cells[i]!.mean),
      cmp.rows.map((r) => r.cells[i]!.std),
    ),
  );
  const dms = cmp.rows.flatMap((r) => (r.deltaM ? [r.deltaM] : []));
  const dmDec = decimalsFromSpread(
    dms.map((c) => c.mean),
    dms.map((c) => c.std),
  );
  const objDec = decimalsFor(cmp.rows.flatMap((r) => r.objective ?? []));
  const arrows = cmp.objective.directions.map((d) => (d === "max" ? "↑" : "↓")).join("");
  const head = [
    '<th class="num">rank</th><th class="text">configuration</th><th class="num">n</th>',
    ...cmp.columns.map((c) => `<th class="num">${esc(columnTitle(c))}</th>`),
    cmp.hasBaseline ? '<th class="num">Δm% ↑</th>' : "",
    // A dotted name may break after its dots on a narrow page.
    `<th class="num">${esc(cmp.objective.names.join(", ")).replace(/\./g, ".<wbr>")} ${arrows}</th>`,
  ].join("");
  const cell = (
    c: CompareRow["cells"][number],
    d: number,
    row: CompareRow,
    bounds?: [number, number],
    signed = false,
  ) =>
    `<td class="num"><span class="nb">${esc(meanStd(c, d, signed))}</span>${c.ci ? `<small>${esc(ci(c, d, bounds))}</small>` : ""}${cmp.reference ? `<small>p ${esc(pCell(c, row.isReference))}</small>` : ""}</td>`;
  const rows = cmp.rows.map((r) => {
    const cls = [r.isReference ? "reference" : "", r.onParetoFront ? "front" : ""].filter(Boolean).join(" ");
    return [
      `<tr${cls ? ` class="${cls}"` : ""}>`,
      `<td class="num nb">${r.rank ?? MISSING}${r.onParetoFront ? " ★" : ""}</td><td class="text label">${esc(r.label)}</td><td class="num">${r.seeds.length}${r.diverged.length ? ` <small>${r.diverged.length} diverged</small>` : ""}</td>`,
      ...r.cells.map((c, i) => cell(c, dec[i]!, r, metricBounds(cmp.columns[i]!.metric))),
      cmp.hasBaseline
        ? r.deltaM
          ? cell(r.deltaM, dmDec, r, undefined, true)
          : `<td class="num">${MISSING}</td>`
        : "",
      `<td class="num">${esc(r.objective?.map((v) => fmt(v, objDec)).join(", ") ?? MISSING)}</td>`,
      "</tr>",
    ].join("");
  });
  return [
    `<p>Each cell: mean ± std over seeds; under it the ${pct}% confidence interval${cmp.reference ? ` and the Holm-adjusted p against ${esc(cmp.reference)}` : ""}. ★ = on the Pareto front.</p>`,
    `<div class="wrap"><table class="comparison"><thead><tr>${head}</tr></thead><tbody>`,
    ...rows,
    "</tbody></table></div>",
    `<ul class="legend">${legend(cmp)
      .map((l) =>
        // The page lists the left-out trials in a section of their own.
        l.startsWith("Left out:")
          ? `<li>Left out: ${esc(
              Object.entries(cmp.excluded)
                .map(([k, n]) => `${n} ${k}`)
                .join(", "),
            )}; each with its reason under <a href="#left-out">Failed, pruned and unfinished trials</a>.</li>`
          : `<li>${formulaHtml(l)}</li>`,
      )
      .join("")}</ul>`,
  ].join("\n");
}

/** A trial's row values: label, per-task metric, objective, time, attempts, reason. */
function trialFacts(trials: readonly TrialRecord[], cmp: Comparison, experiment: Experiment) {
  const labels = new Map<number, string>();
  for (const r of cmp.rows) for (const id of r.trialIds) labels.set(id, r.label);
  for (const t of cmp.leftOut) labels.set(t.id, t.label);
  const reasons = new Map(cmp.leftOut.map((t) => [t.id, t.reason]));
  const scored = scoredTrials(trials, experiment, cmp.split);
  const score = new Map(scored.trials.map((t, i) => [t.id, scored.score[i]!]));
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  return [...trials]
    .sort((a, b) => (a.number ?? a.id) - (b.number ?? b.id))
    .map((t) => ({
      t,
      label: labels.get(t.id) ?? (isSingleTask(t.config) ? "single-task" : t.config.strategy.name),
      params: keys.flatMap((k) => (k in t.params ? [[k, fmtValue(t.params[k])] as const] : [])),
      metrics: cmp.columns.map((c) => metricOf(t, c.task, cmp.split, c.metric)),
      objective: score.get(t.id),
      ms: t.startedAt && t.finishedAt ? t.finishedAt - t.startedAt : null,
      reason: reasons.get(t.id) ?? (t.state === "completed" ? "" : (t.error ?? "")),
    }));
}

function trialsHtml(trials: readonly TrialRecord[], cmp: Comparison, experiment: Experiment): string {
  const facts = trialFacts(trials, cmp, experiment);
  const shown = facts.slice(0, TRIAL_ROWS);
  const dec = cmp.columns.map((_, i) =>
    decimalsFor(facts.flatMap((f) => (f.metrics[i] === undefined ? [] : [f.metrics[i]!]))),
  );
  const objDec = decimalsFor(facts.flatMap((f) => (f.objective === undefined ? [] : [f.objective])));
  const num = (v: number | null | undefined, html: string) =>
    `<td class="num"${v == null || !Number.isFinite(v) ? "" : ` data-v="${v}"`}>${html}</td>`;
  const metricHeads = cmp.columns.map((c) => `${c.task} ${c.metric}`);
  const head: [string, boolean][] = [
    ["#", true],
    ["state", false],
    ["configuration · parameters", false],
    ["seed", true],
    ...metricHeads.map((h): [string, boolean] => [h, true]),
    ["objective", true],
    ["time · attempts · worker", true],
  ];
  // Several lines per cell (the reason under the state, the parameters under the configuration)
  // keep the table as narrow as a phone's page.
  const rows = shown.map((f) =>
    [
      "<tr>",
      num(f.t.number ?? f.t.id, String(f.t.number ?? f.t.id)),
      `<td class="text state-${esc(f.t.state)}" data-v="${esc(f.t.state)}">${esc(f.t.state)}${f.reason ? `<small class="wrap-ok">${esc(f.reason.replace(`${f.t.state}: `, ""))}</small>` : ""}</td>`,
      `<td class="text label" data-v="${esc(f.label)}">${esc(f.label)}<small class="wrap-ok">${f.params.map(([k, v]) => `<span class="nb">${esc(k)}=${esc(v)}</span>`).join(" ")}</small></td>`,
      num(f.t.seed, String(f.t.seed)),
      ...f.metrics.map((v, i) =>
        num(v, v === undefined ? MISSING : Number.isFinite(v) ? fmt(v, dec[i]!) : "diverged"),
      ),
      num(f.objective, f.objective === undefined ? MISSING : fmt(f.objective, objDec)),
      num(
        f.ms,
        `${esc(fmtDuration(f.ms))}<small>${f.t.attempt !== undefined ? `attempt ${f.t.attempt}/${f.t.maxAttempts ?? MISSING}` : ""}${f.t.worker ? ` · ${esc(f.t.worker)}` : ""}</small>`,
      ),
      "</tr>",
    ].join(""),
  );
  const more = facts.length - shown.length;
  return [
    `<p>Every trial of the sweep with all its parameters; click a column heading to sort by it. Metrics on the ${esc(cmp.split)} split; objective: the sweep objective's value (single-task baselines have none). trials.csv beside this page has the same facts, one column each${more > 0 ? `, for all ${facts.length} trials (${more} more than shown here)` : ""}.</p>`,
    `<div class="wrap"><table class="sortable trials"><thead><tr>${head
      .map(([h, n]) => `<th class="${n ? "num" : "text"}"><button type="button">${esc(h)}</button></th>`)
      .join("")}</tr></thead><tbody>`,
    ...rows,
    "</tbody></table></div>",
  ].join("\n");
}

function trialsCsv(trials: readonly TrialRecord[], cmp: Comparison, experiment: Experiment): string {
  const facts = trialFacts(trials, cmp, experiment);
  const keys = [...new Set(facts.flatMap((f) => f.params.map(([k]) => k)))];
  const header = [
    "number",
    "state",
    "configuration",
    "seed",
    ...keys.map((k) => `param.${k}`),
    ...cmp.columns.map((c) => `${c.task}.${c.metric}.${cmp.split}`),
    "objective",
    "seconds",
    "attempt",
    "max_attempts",
    "worker",
    "reason",
  ];
  const q = (v: string | number | null | undefined) => {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
    return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const lines = [header.join(",")];
  for (const f of facts) {
    const p = new Map(f.params);
    lines.push(
      [
        f.t.number ?? f.t.id,
        f.t.state,
        f.label,
        f.t.seed,
        ...keys.map((k) => p.get(k) ?? null),
        ...f.metrics,
        f.objective,
        f.ms === null ? null : f.ms / 1000,
        f.t.attempt,
        f.t.maxAttempts,
        f.t.worker,
        f.reason,
      ]
        .map(q)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

function leftOutHtml(cmp: Comparison): string {
  if (cmp.leftOut.length === 0) return "<p>None: every trial finished with results.</p>";
  const byState = Object.entries(cmp.excluded)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  return [
    `<p>${esc(byState)}. They are left out of the comparison; the reason of each:</p>`,
    '<div class="wrap"><table><thead><tr><th class="num">#</th><th class="text">state</th><th class="text">configuration</th><th class="num">seed</th><th class="text">reason</th></tr></thead><tbody>',
    ...cmp.leftOut.map(
      (t) =>
        `<tr><td class="num">${t.number ?? t.id}</td><td class="text state-${esc(t.state)}">${esc(t.state)}</td><td class="text label">${esc(t.label)}</td><td class="num">${t.seed}</td><td class="text reason">${esc(t.reason)}</td></tr>`,
    ),
    "</tbody></table></div>",
  ].join("\n");
}

function configHtml(experiment: Experiment): string {
  return `<p>The experiment as the sweep ran it, defaults filled in.</p><pre>${esc(compactJson(experiment))}</pre>`;
}

function summaryMd(
  title: string,
  subtitle: string | undefined,
  cmp: Comparison,
  plots: Plot[],
  notes: string[],
  ext: "png" | "svg",
): string {
  const lines = [`# ${title}`, ""];
  if (subtitle) lines.push(subtitle, "");
  lines.push("## Comparison", "", renderMarkdown(cmp).trimEnd(), "");
  const best = cmp.rows[0];
  if (best && best.rank === 1 && cmp.rows.length > 1) {
    const how = cmp.hasBaseline && best.deltaM ? ` (Δm% ${fmtSigned(best.deltaM.mean, 1)})` : "";
    lines.push(
      `Top-ranked: **${best.label}**${how}. Pareto front: ${cmp.rows
        .filter((r) => r.onParetoFront)
        .map((r) => r.label)
        .join(", ")}.`,
      "",
    );
  }
  if (plots.length > 0) {
    lines.push("## Plots", "");
    for (const p of plots) lines.push(`![${p.title}](${PLOT_DIR}/${p.name}.${ext})`, "");
  }
  if (notes.length > 0) lines.push("## Notes", "", ...notes.map((n) => `- ${n}`), "");
  lines.push(
    "The full report, with the plots inline, the trials table and the experiment's configuration, is report.html (self-contained; opens offline). trials.csv lists every trial.",
    "",
  );
  return lines.join("\n");
}

/** One sweep of a two-sweep comparison. */
export interface SweepInput {
  /** How the page names it, e.g. "sweep 3 (lr-search)". */
  name: string;
  trials: readonly TrialRecord[];
  experiment: Experiment;
}

/**
 * `mtl report A B`: two sweeps side by side: what each ran and found, their optimisation
 * histories on one plot, each one's comparison table, and the configurations both ran.
 */
export function renderSweepComparison(a: SweepInput, b: SweepInput, options: ReportOptions = {}): Report {
  const title = options.title ?? `${a.name} vs ${b.name}`;
  const sweeps = [a, b].map((s) => {
    const cmp = compare(s.trials, s.experiment, options);
    return { ...s, cmp, scored: scoredTrials(s.trials, s.experiment, cmp.split) };
  });
  const notes: string[] = [];
  const [sa, sb] = sweeps as [(typeof sweeps)[0], (typeof sweeps)[0]];
  const sameObjective =
    sa.scored.names.join() === sb.scored.names.join() && sa.scored.split === sb.scored.split;
  if (!sameObjective)
    notes.push(
      `The sweeps' objectives differ (${sa.scored.scoreLabel} vs ${sb.scored.scoreLabel}): their histories are drawn on one plot all the same; read the values with that in mind.`,
    );
  const better = (x: number, y: number) => (sa.scored.direction === "max" ? x > y : x < y);
  const history: Series[] = sweeps.map((s, k) => {
    const pts: Series["points"][number][] = [];
    let best = Number.NaN;
    s.scored.score.forEach((v, i) => {
      const before = best;
      if (Number.isFinite(v) && (!Number.isFinite(best) || better(v, best))) best = v;
      // A step, as in the one-sweep history: the best so far holds until a trial beats it.
      if (Number.isFinite(before) && before !== best) pts.push({ x: i + 1, y: before });
      if (Number.isFinite(best))
        pts.push({ x: i + 1, y: best, tip: `${s.name}, trial ${i + 1}: best so far ${fmtNumber(best)}` });
    });
    return { label: `${s.name}: best so far`, color: PALETTE[k]!, points: pts };
  });
  const plots: Plot[] = [];
  if (history.every((h) => h.points.length > 0))
    plots.push(
      lineChart({
        name: "history-both",
        title: "Optimisation history of both sweeps",
        series: history,
        xLabel: "trials finished",
        yLabel: sa.scored.names.length === 1 ? sa.scored.names[0]! : "objective",
        integerX: true,
        notes: [
          `Best value so far of ${sa.scored.scoreLabel} after each multi-task trial, in the order trials finished.`,
        ],
      }),
    );
  else notes.push("No history plot: a sweep has no multi-task trial with an objective yet.");

  const facts = sweeps.map((s) => {
    const best = s.cmp.rows.find((r) => r.rank === 1);
    const times = s.trials.flatMap((t) => (t.startedAt && t.finishedAt ? [t.finishedAt - t.startedAt] : []));
    const starts = s.trials.flatMap((t) => (t.startedAt ? [t.startedAt] : []));
    const ends = s.trials.flatMap((t) => (t.finishedAt ? [t.finishedAt] : []));
    const states = new Map<string, number>();
    for (const t of s.trials) states.set(t.state, (states.get(t.state) ?? 0) + 1);
    return [
      s.name,
      String(s.trials.length),
      [...states].map(([k, n]) => `${n} ${k}`).join(", "),
      s.experiment.sweep.sampler,
      best ? best.label : MISSING,
      best?.objective ? best.objective.map((v) => fmtNumber(v)).join(", ") : MISSING,
      s.cmp.hasBaseline && best?.deltaM ? fmtSigned(best.deltaM.mean, 1) : MISSING,
      starts.length && ends.length ? fmtDuration(Math.max(...ends) - Math.min(...starts)) : MISSING,
      times.length ? fmtDuration(median(times)) : MISSING,
    ];
  });
  const factHead = [
    "sweep",
    "trials",
    "states",
    "sampler",
    "top-ranked",
    "its objective",
    "its Δm%",
    "wall time",
    "median trial",
  ];
  // One row per fact, one column per sweep: narrow enough for any page.
  const summary = [
    `<div class="wrap"><table><thead><tr><th class="text"></th>${facts.map((f) => `<th class="text">${esc(f[0]!)}</th>`).join("")}</tr></thead><tbody>`,
    ...factHead
      .slice(1)
      .map(
        (h, i) =>
          `<tr><th class="text">${esc(h)}</th>${facts.map((f) => `<td class="text label">${esc(f[i + 1]!)}</td>`).join("")}</tr>`,
      ),
    "</tbody></table></div>",
  ].join("");
  // Configurations both sweeps ran (same configuration key): their objective in each.
  const rowsB = new Map(sb.cmp.rows.map((r) => [r.key, r]));
  const shared = sa.cmp.rows.filter((r) => rowsB.has(r.key) && !r.isBaseline);
  const sharedHtml =
    shared.length === 0
      ? "<p>No configuration was run in both sweeps.</p>"
      : [
          `<div class="wrap"><table><thead><tr><th class="text">configuration</th><th class="num">${esc(a.name)}</th><th class="num">${esc(b.name)}</th></tr></thead><tbody>`,
          ...shared.map((r) => {
            const o = rowsB.get(r.key)!;
            const fmtObj = (x: CompareRow) =>
              x.objective
                ? `${x.objective.map((v) => fmtNumber(v)).join(", ")} (n=${x.seeds.length}, rank ${x.rank ?? MISSING})`
                : MISSING;
            return `<tr><td class="text label">${esc(r.label)}</td><td class="num">${esc(fmtObj(r))}</td><td class="num">${esc(fmtObj(o))}</td></tr>`;
          }),
          "</tbody></table></div>",
        ].join("");

  const sections: Section[] = [
    { id: "summary", heading: "The two sweeps", html: summary },
    ...(plots.length ? [{ id: "history", heading: "Optimisation history", html: plotsHtml(plots) }] : []),
    { id: "shared", heading: "Configurations in both", html: sharedHtml },
    ...sweeps.map((s, k) => ({
      id: `comparison-${k + 1}`,
      heading: `Comparison: ${s.name}`,
      html: comparisonHtml(s.cmp),
    })),
    ...sweeps.map((s, k) => ({
      id: `configuration-${k + 1}`,
      heading: `Configuration: ${s.name}`,
      html: configHtml(s.experiment),
    })),
  ];
  if (notes.length)
    sections.push({
      id: "notes",
      heading: "Notes",
      html: `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`,
    });
  const html = page(title, options.subtitle, sections, false);
  const md = [
    `# ${title}`,
    "",
    ...(options.subtitle ? [options.subtitle, ""] : []),
    `| ${factHead.join(" | ")} |`,
    `|${factHead.map(() => " --- ").join("|")}|`,
    ...facts.map((f) => `| ${f.map((v) => v.replace(/\|/g, "\\|")).join(" | ")} |`),
    "",
    ...plots.map((p) => `![${p.title}](${PLOT_DIR}/${p.name}.${options.imageExt ?? "png"})`),
    "",
    "The full comparison is report.html.",
    "",
  ].join("\n");
  return {
    files: [
      { name: "report.html", content: html },
      { name: "summary.md", content: md },
      ...plots.map((p) => ({
        name: `${PLOT_DIR}/${p.name}.svg`,
        content: `<?xml version="1.0" encoding="UTF-8"?>\n${p.svg}\n`,
      })),
    ],
    plots,
    comparison: sa.cmp,
    notes,
  };
}

/** JSON indented by two, with every object or list that fits on one line of `width` kept on one. */
export function compactJson(value: unknown, width = 88, indent = ""): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return "null";
  if (indent.length + flat.length <= width || value === null || typeof value !== "object") return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value))
    return `[\n${value.map((v) => inner + compactJson(v, width, inner)).join(",\n")}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, width, inner)}`).join(",\n")}\n${indent}}`;
}

/** The kept models: which trial, which weights, how big, and how to get them. */
function keptHtml(rows: readonly KeptModelRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${r.trial}</td><td>${esc(r.kind)}</td><td>${r.epoch}</td><td>${esc(fmtBytes(r.bytes))}</td><td><code>${esc(r.command)}</code></td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>trial</th><th>weights</th><th>epoch</th><th>size</th><th>export</th></tr></thead><tbody>${body}</tbody></table>`;
}
