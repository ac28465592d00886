/**
 * `pnpm bench cli`: how long `mtl` takes to start, against `node -e 0` in the same run. Each
 * command runs from the TypeScript sources through tsx (what `pnpm mtl` runs, without pnpm's
 * own start-up) and as the built CLI (apps/cli/bin/mtl.mjs, the esbuild bundle), and `pnpm -s
 * mtl --help` once per round for the README's form. The runs alternate, and each figure is the
 * median of the rounds' wall times; ratios are to `node -e 0`'s median.
 * Targets (issue 19): `mtl --help` ≤ 3×, `mtl list` and `mtl trials` ≤ 4×.
 * Options: --rounds N (default 5).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "@mtl/scheduler";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const SOURCE = join(ROOT, "apps", "cli", "src", "main.ts");
const BUILT = join(ROOT, "apps", "cli", "bin", "mtl.mjs");

/** Runs a command to the end; its wall time in ms. A failure stops the bench: its figure would lie. */
function timed(command: string, args: string[]): number {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, INIT_CWD: "" } });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return ms;
}

/** A small finished sweep for `mtl trials`: two one-epoch trials. */
function smallDb(dir: string): string {
  const file = join(dir, "small.ts");
  writeFileSync(
    file,
    `export default ${JSON.stringify({
      name: "bench-cli",
      dataset: {
        name: "classification",
        options: { n_samples: 200, n_features: 14, n_informative: 5, n_tasks: 2 },
      },
      tasks: [
        { name: "task1", kind: "classification", metric: "accuracy" },
        { name: "task2", kind: "classification", metric: "accuracy" },
      ],
      model: { architecture: "hard-sharing", hidden: [8] },
      strategies: ["equal"],
      seeds: [0, 1],
      training: { epochs: 1, batchSize: 32, learningRate: 0.01 },
    })};\n`,
  );
  const db = join(dir, "small.db");
  timed(process.execPath, [BUILT, "run", file, "--db", db, "--workers", "1"]);
  return db;
}

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf("--rounds");
  const rounds = i >= 0 ? Math.max(1, Number(args[i + 1]) || 5) : 5;
  const dir = mkdtempSync(join(tmpdir(), "mtl-bench-cli-"));
  try {
    timed(process.execPath, [BUILT, "--help"]); // builds the bundle if it is stale
    const db = smallDb(dir);
    const commands: { name: string; args: string[]; target: number }[] = [
      { name: "mtl --help", args: ["--help"], target: 3 },
      { name: "mtl list strategies", args: ["list", "strategies"], target: 4 },
      { name: "mtl trials --json", args: ["trials", "--json", "--db", db], target: 4 },
    ];
    const rows: { name: string; run: () => number; target?: number }[] = [
      { name: "node -e 0", run: () => timed(process.execPath, ["-e", "0"]) },
      { name: "pnpm -s mtl --help (README)", run: () => timed("pnpm", ["-s", "mtl", "--help"]) },
      ...commands.flatMap((c) => [
        { name: `${c.name} (tsx, source)`, run: () => timed(TSX, [SOURCE, ...c.args]) },
        {
          name: `${c.name} (built)`,
          run: () => timed(process.execPath, [BUILT, ...c.args]),
          target: c.target,
        },
      ]),
    ];
    const times = rows.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) for (const [k, row] of rows.entries()) times[k]?.push(row.run());
    const base = median(times[0] ?? []);
    process.stdout.write(`mtl start-up, median of ${rounds} round(s), wall time; ratio to node -e 0\n\n`);
    process.stdout.write(`${"command".padEnd(40)} ${"ms".padStart(7)} ${"ratio".padStart(7)}  target\n`);
    rows.forEach((row, k) => {
      const ms = median(times[k] ?? []);
      const ratio = ms / base;
      const target = row.target ? `≤ ${row.target}× ${ratio <= row.target ? "met" : "missed"}` : "";
      process.stdout.write(
        `${row.name.padEnd(40)} ${ms.toFixed(0).padStart(7)} ${`${ratio.toFixed(1)}×`.padStart(7)}  ${target}\n`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
