/**
 * `mtl report`: a self-contained HTML page (inline SVG, inline CSS, no scripts or external
 * assets, so it opens offline), the plots as standalone SVG files, and a Markdown summary.
 * Pure: it returns the files; the CLI writes them and adds PNG screenshots of the plots.
 */
import type { Experiment } from "@mtl/spec";
import { type CompareOptions, type Comparison, compare } from "./compare.ts";
import { fmtSigned, legend } from "./format.ts";
import { curvePlots, paretoPlot, weightPlots, weightSweeps } from "./plots.ts";
import type { TrialRecord } from "./records.ts";
import { renderMarkdown } from "./render-md.ts";
import { tableCells } from "./render-table.ts";
import { esc, type Plot } from "./svg/common.ts";

/** Options of {@link renderReport}. */
export interface ReportOptions extends CompareOptions {
  /** Page title. @default "Sweep report" */
  title?: string;
  /** The two tasks of the Pareto plot. @default the first two */
  paretoTasks?: [string, string];
  /** Image format summary.md links to ("svg" when no PNGs will be made). @default "png" */
  imageExt?: "png" | "svg";
  /** A line under the title (e.g. the database, the sweep, the time); kept out so output is reproducible. */
  subtitle?: string;
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

/** Renders the report for a sweep's trials; `experiment` is the sweep's (its objective ranks the rows). */
export function renderReport(
  trials: readonly TrialRecord[],
  experiment: Experiment,
  options: ReportOptions = {},
): Report {
  const title = options.title ?? "Sweep report";
  const cmp = compare(trials, experiment, options);
  // The plots draw every configuration, even when the table merges them by strategy.
  const byWeights = cmp.by === "config" ? cmp : compare(trials, experiment, { ...options, by: "config" });
  const varied = weightSweeps(byWeights).size > 0;
  const notes: string[] = [];

  const pareto = paretoPlot(byWeights, options.paretoTasks);
  if (!pareto) notes.push("No Pareto plot: it needs two tasks with results.");
  const curves = curvePlots(cmp, trials);
  if (curves.length === 0) notes.push("No learning curves: no per-epoch val metrics were recorded.");
  const weights = weightPlots(byWeights);
  if (weights.note) notes.push(weights.note);
  if (!varied) notes.push("No weight plots: no strategy was run at more than one task-weight setting.");

  const sections: { id: string; heading: string; plots: Plot[]; text?: string }[] = [
    {
      id: "pareto",
      heading: "Pareto front",
      plots: pareto ? [pareto] : [],
      text: `One point per configuration, ${byWeights.split} split.`,
    },
    { id: "curves", heading: "Learning curves", plots: curves },
    { id: "weights", heading: "Metric vs task weight", plots: weights.plots },
  ];
  const plots = sections.flatMap((s) => s.plots);
  const html = page(title, options.subtitle, cmp, sections, notes);
  const md = summary(title, options.subtitle, cmp, plots, notes, options.imageExt ?? "png");
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
    comparison: cmp,
    notes,
  };
}

const CSS = `
body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;white-space:nowrap}
th{background:#f4f4f4;text-align:right}th.text,td.text{text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.reference td{background:#f3f7fc}tr.front td.text:first-of-type{font-weight:bold}
.scroll{overflow-x:auto}.legend{font-size:12px;color:#444}.notes{color:#8a5a00}
.plots{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
`;

function page(
  title: string,
  subtitle: string | undefined,
  cmp: Comparison,
  sections: { id: string; heading: string; plots: Plot[]; text?: string }[],
  notes: string[],
): string {
  const { header, body, numeric } = tableCells(cmp);
  const th = header.map((h, i) => `<th class="${numeric[i] ? "num" : "text"}">${esc(h)}</th>`).join("");
  const trs = body
    .map((cells, j) => {
      const row = cmp.rows[j]!;
      const cls = [row.isReference ? "reference" : "", row.onParetoFront ? "front" : ""]
        .filter(Boolean)
        .join(" ");
      const tds = cells.map((c, i) => `<td class="${numeric[i] ? "num" : "text"}">${esc(c)}</td>`).join("");
      return `<tr${cls ? ` class="${cls}"` : ""}>${tds}</tr>`;
    })
    .join("\n");
  const parts = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    subtitle ? `<p class="sub">${esc(subtitle)}</p>` : "",
    '<section id="comparison"><h2>Comparison</h2>',
    `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table></div>`,
    `<ul class="legend">${legend(cmp)
      .map((l) => `<li>${esc(l)}</li>`)
      .join("")}</ul></section>`,
  ];
  for (const s of sections) {
    if (s.plots.length === 0) continue;
    parts.push(`<section id="${s.id}"><h2>${esc(s.heading)}</h2>`);
    if (s.text) parts.push(`<p>${esc(s.text)}</p>`);
    parts.push(
      `<div class="plots">${s.plots.map((p) => `<figure id="plot-${esc(p.name)}">${p.svg}</figure>`).join("\n")}</div></section>`,
    );
  }
  if (notes.length > 0)
    parts.push(
      `<section id="notes"><h2>Notes</h2><ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></section>`,
    );
  parts.push("</body></html>\n");
  return parts.filter(Boolean).join("\n");
}

function summary(
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
    const how = cmp.hasBaseline && best.deltaM ? ` (Δm% ${fmtSigned(best.deltaM.mean)})` : "";
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
  lines.push("The full report, with the plots inline, is report.html (self-contained; opens offline).", "");
  return lines.join("\n");
}
