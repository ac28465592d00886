import { InputError } from "@mtl/spec";
// The catalog, not the trainer: listing modules must not load TensorFlow.js.
import { CATALOG_KINDS, type CatalogKind, listCatalog } from "@mtl/trainer/catalog";
import type { Command } from "commander";
import { commandOf } from "./index.ts";

export function register(program: Command): void {
  commandOf(program, "list")
    .argument("<kind>", CATALOG_KINDS.join("|"))
    .option("--json", "print JSON")
    .action((kind: string, opts: { json?: boolean }) => {
      if (!(CATALOG_KINDS as readonly string[]).includes(kind))
        throw new InputError(`list: expected one of ${CATALOG_KINDS.join(", ")}, got "${kind}"`);
      const entries = listCatalog(kind as CatalogKind);
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
