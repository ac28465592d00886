import { fmtBytes } from "@mtl/analysis";
import type { KeptModelEntry } from "@mtl/bus";
import { retentionPlan } from "@mtl/coordinator";
import { isTerminal, type KeepPolicy } from "@mtl/spec";
import type { Store } from "@mtl/store";
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
        const models = keptModels(results, await checkpoints.store.listModels());
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              {
                sweeps: list,
                bytes: list.reduce((s, r) => s + r.bytes, 0),
                models,
                modelBytes: models.reduce((s, r) => s + r.bytes, 0),
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (models.length > 0) {
          process.stdout.write(
            renderListing(
              ["sweep", "kept models", "trials", "size", "checkpoint.keep", "mtl gc would delete"],
              models.map((m) => [
                m.sweep,
                String(m.models),
                String(m.trials),
                fmtBytes(m.bytes),
                m.policy === undefined ? "—" : JSON.stringify(m.policy),
                m.ended ? fmtBytes(m.dropBytes) : "nothing (sweep not ended)",
              ]),
            ),
          );
          process.stdout.write(
            `\nkept models total ${fmtBytes(models.reduce((s, r) => s + r.bytes, 0))}\n\n`,
          );
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
        process.stdout.write(`\ntotal ${fmtBytes(list.reduce((s, r) => s + r.bytes, 0))}\n`);
      } finally {
        results.close();
        await checkpoints.close();
      }
    },
  );
}

/** Kept models per sweep: how many, of how many trials, their size, and what the sweep's policy lets go. */
function keptModels(results: Store, entries: readonly KeptModelEntry[]) {
  const bySweep = new Map<string, KeptModelEntry[]>();
  for (const e of entries) bySweep.set(e.sweep, [...(bySweep.get(e.sweep) ?? []), e]);
  return [...bySweep].map(([uid, mine]) => {
    const sweep = results.sweepByUid(uid);
    const plan = sweep ? retentionPlan(results, sweep, mine) : undefined;
    return {
      sweep: sweep ? `${sweep.id} ${sweep.name}` : `(not in this file) ${uid}`,
      models: mine.length,
      trials: new Set(mine.map((m) => m.trialId)).size,
      bytes: mine.reduce((s, m) => s + m.bytes, 0),
      policy: plan?.policy as KeepPolicy | undefined,
      ended: plan?.ended ?? false,
      dropBytes: (plan?.drop ?? []).reduce((s, m) => s + m.bytes, 0),
    };
  });
}
