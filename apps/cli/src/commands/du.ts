import { fmtBytes } from "@mtl/analysis";
import { isTerminal } from "@mtl/spec";
import type { Command } from "commander";
import { addStoreFlags, describeEntry, openCheckpoints, type StoreFlags } from "../checkpoint-stores.ts";
import { renderListing } from "../table.ts";
import { commandOf } from "./index.ts";
import { openExisting } from "./trials.ts";

export function register(program: Command): void {
  addStoreFlags(commandOf(program, "du").option("--json", "print JSON")).action(
    async (opts: StoreFlags & { json?: boolean }) => {
      const results = openExisting(opts.db);
      const checkpoints = await openCheckpoints(opts);
      try {
        const rows = new Map<
          string,
          { sweep: string; checkpoints: number; bytes: number; finished: number; trials: Set<number> }
        >();
        for (const e of await checkpoints.store.list()) {
          const { sweep, trial } = describeEntry(results, e);
          const name = sweep ? `${sweep.id} ${sweep.name}` : `(not in this file) ${e.sweep}`;
          const row = rows.get(name) ?? {
            sweep: name,
            checkpoints: 0,
            bytes: 0,
            finished: 0,
            trials: new Set(),
          };
          row.checkpoints++;
          row.bytes += e.bytes;
          if (trial && isTerminal(trial.state)) row.finished += e.bytes;
          row.trials.add(e.trialId);
          rows.set(name, row);
        }
        const list = [...rows.values()].map((r) => ({ ...r, trials: r.trials.size }));
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ sweeps: list, bytes: list.reduce((s, r) => s + r.bytes, 0) }, null, 2)}\n`,
          );
          return;
        }
        if (list.length === 0) {
          process.stdout.write("no checkpoints\n");
          return;
        }
        process.stdout.write(
          renderListing(
            ["sweep", "trials", "checkpoints", "size", "of finished trials"],
            list.map((r) => [
              r.sweep,
              String(r.trials),
              String(r.checkpoints),
              fmtBytes(r.bytes),
              fmtBytes(r.finished),
            ]),
          ),
        );
        process.stdout.write(`total ${fmtBytes(list.reduce((s, r) => s + r.bytes, 0))}\n`);
      } finally {
        results.close();
        await checkpoints.close();
      }
    },
  );
}
