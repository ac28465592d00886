/** The comparison as a Markdown table with its legend. */
import type { Comparison } from "./compare.ts";
import { legend } from "./format.ts";
import { tableCells } from "./render-table.ts";

/** GitHub-flavoured Markdown: a table, then the legend as a list. */
export function renderMarkdown(cmp: Comparison): string {
  const { header, body, numeric } = tableCells(cmp);
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    `| ${header.map(esc).join(" | ")} |`,
    `|${numeric.map((n) => (n ? " ---: " : " :--- ")).join("|")}|`,
    ...body.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n\n${legend(cmp)
    .map((l) => `- ${l}`)
    .join("\n")}\n`;
}
