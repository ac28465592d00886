import { fmtBytes } from "@mtl/analysis";
import { retentionPlan } from "@mtl/coordinator";
import { isTerminal } from "@mtl/spec";
import type { Command } from "commander";
import { addStoreFlags, describeEntry, openCheckpoints, type StoreFlags } from "../checkpoint-stores.ts";
import { commandOf } from "./index.ts";
import { openExisting } from "./trials.ts";

export function register(program: Command): void {
  addStoreFlags(
    commandOf(program, "gc").option("--dry-run", "say what would be deleted, delete nothing"),
  ).action(async (opts: StoreFlags & { dryRun?: boolean }) => {
    const results = openExisting(opts.db);
    const checkpoints = await openCheckpoints(opts);
    try {
      // Only what this file knows is finished: a checkpoint of an unknown sweep may be another
      // database's on the same namespace.
      const doomed = (await checkpoints.store.list()).filter((e) => {
        const { trial } = describeEntry(results, e);
        return trial !== undefined && isTerminal(trial.state);
      });
      const bytes = doomed.reduce((s, e) => s + e.bytes, 0);
      const deleted = opts.dryRun ? 0 : await checkpoints.store.delete(doomed);
      process.stdout.write(
        opts.dryRun
          ? `would delete ${doomed.length} checkpoint(s) of finished trials (${fmtBytes(bytes)})\n`
          : `deleted ${deleted} checkpoint(s) of finished trials (${fmtBytes(bytes)})\n`,
      );
      // Kept models: each ended sweep's retention policy (checkpoint.keep); a sweep that has not
      // completed, or that this file does not know, keeps every one.
      const models = await checkpoints.store.listModels();
      const drop = [...new Set(models.map((m) => m.sweep))].flatMap((uid) => {
        const sweep = results.sweepByUid(uid);
        return sweep ? retentionPlan(results, sweep, models).drop : [];
      });
      const modelBytes = drop.reduce((s, m) => s + m.bytes, 0);
      const dropped = opts.dryRun ? 0 : await checkpoints.store.deleteModels(drop);
      process.stdout.write(
        opts.dryRun
          ? `would delete ${drop.length} kept model(s) their ended sweep's checkpoint.keep lets go (${fmtBytes(modelBytes)})\n`
          : `deleted ${dropped} kept model(s) their ended sweep's checkpoint.keep lets go (${fmtBytes(modelBytes)})\n`,
      );
    } finally {
      results.close();
      await checkpoints.close();
    }
  });
}
