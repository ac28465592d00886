/**
 * `pnpm bench checkpoint-store [--nats URL] [--rounds N]`: what storing a checkpoint costs a
 * worker, by size (the quickstart model's checkpoint is ~30 KiB, the MNIST CNN's a few MiB: see
 * `pnpm bench checkpoint`): the median time of a `put` and of a `get` in the folder store (a
 * temporary folder) and, with `--nats`, in the namespace's object store (namespace `benchckpt`).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CheckpointStore,
  connectNats,
  FolderCheckpointStore,
  NatsCheckpointStore,
  topologyOf,
} from "@mtl/bus";

const SIZES = [30 * 1024, 1024 * 1024, 8 * 1024 * 1024];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;

async function measure(store: CheckpointStore, size: number, rounds: number) {
  const sweep = randomUUID();
  const data = new Uint8Array(randomBytes(size));
  const puts: number[] = [];
  const gets: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const key = { sweep, trialId: 1, attempt: 1, epoch: i };
    let t = performance.now();
    await store.put(key, data);
    puts.push(performance.now() - t);
    t = performance.now();
    const back = await store.get(key);
    gets.push(performance.now() - t);
    if (back?.length !== size) throw new Error("read back a different size");
  }
  await store.delete(await store.list(sweep));
  return { put: median(puts), get: median(gets) };
}

export async function main(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rounds = Number(flag("--rounds") ?? 9);
  const dir = mkdtempSync(join(tmpdir(), "mtl-bench-ckpt-"));
  const stores: [string, CheckpointStore, () => Promise<void>][] = [
    ["folder", new FolderCheckpointStore(join(dir, "results.db.checkpoints")), async () => {}],
  ];
  const url = flag("--nats");
  if (url) {
    const nc = await connectNats({ servers: url });
    stores.push([
      "object store",
      await NatsCheckpointStore.open(nc, topologyOf("benchckpt")),
      () => nc.close(),
    ]);
  }
  process.stdout.write(`checkpoint stores, median of ${rounds}\nstore        |     size | put ms | get ms\n`);
  try {
    for (const [name, store] of stores)
      for (const size of SIZES) {
        const m = await measure(store, size, rounds);
        process.stdout.write(
          `${name.padEnd(12)} | ${`${(size / 1024).toFixed(0)} KiB`.padStart(8)} | ${m.put.toFixed(1).padStart(6)} | ${m.get.toFixed(1).padStart(6)}\n`,
        );
      }
  } finally {
    for (const [, , close] of stores) await close();
    rmSync(dir, { recursive: true, force: true });
  }
}
