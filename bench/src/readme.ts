/**
 * `pnpm bench readme`: writes the README's performance table (between its
 * `<!-- bench-table:start -->` and `<!-- bench-table:end -->` markers) from the benches' last
 * results in bench/results/*.json, and says which benches or parts have none (they get no row).
 * It measures nothing. Options: --check (change nothing; exit 1 if the README's table differs).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readAllResults, readmeRows, renderTable, tableIn, withTable } from "./_readme-table.ts";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

export async function main(args: string[] = []): Promise<void> {
  const { rows, missing } = readmeRows(readAllResults());
  for (const m of missing) {
    const [bench, parts] = m.split(": ");
    process.stdout.write(
      parts
        ? `bench/results/${bench}.json has no ${parts} (pnpm bench ${bench})\n`
        : `no bench/results/${bench}.json (pnpm bench ${bench}): no row for it\n`,
    );
  }
  const table = renderTable(rows);
  const readme = readFileSync(README, "utf8");
  if (tableIn(readme) === table) {
    process.stdout.write(`README.md: the table (${rows.length} rows) is up to date\n`);
    return;
  }
  if (args.includes("--check")) {
    process.stdout.write("README.md: the table differs from bench/results (pnpm bench readme writes it)\n");
    process.exitCode = 1;
    return;
  }
  writeFileSync(README, withTable(readme, table));
  process.stdout.write(`README.md: table written (${rows.length} rows)\n`);
}
