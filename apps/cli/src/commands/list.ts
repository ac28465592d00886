import { InputError } from "@mtl/spec";
import { listArchitectures, listDatasets, listStrategies } from "@mtl/trainer";
import type { Command } from "commander";

const KINDS = { strategies: listStrategies, datasets: listDatasets, architectures: listArchitectures };

export function register(program: Command): void {
  program
    .command("list")
    .description("show the registered strategies, datasets or architectures and their options")
    .argument("<kind>", Object.keys(KINDS).join("|"))
    .option("--json", "print JSON")
    .action((kind: string, opts: { json?: boolean }) => {
      const list = KINDS[kind as keyof typeof KINDS];
      if (!list)
        throw new InputError(`list: expected one of ${Object.keys(KINDS).join(", ")}, got "${kind}"`);
      const entries = list();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      for (const e of entries) {
        process.stdout.write(`${e.name}\n  ${e.description}\n`);
        for (const o of e.options)
          process.stdout.write(
            `    ${o.name} (${o.type}${o.default === undefined ? "" : `, default ${JSON.stringify(o.default)}`}): ${o.description}\n`,
          );
      }
    });
}
