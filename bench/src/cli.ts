/**
 * `pnpm bench cli`: how long `mtl` takes to start, against `node -e 0` in the same run. Each
 * command runs from the TypeScript sources through tsx (what `pnpm mtl` runs, without pnpm's
 * own start-up) and as the built CLI (apps/cli/bin/mtl.mjs, the esbuild bundle), and `pnpm exec
 * mtl --help` once per round for the README's form. The runs alternate, and each figure is the
 * median of the rounds' wall times; ratios are to `node -e 0`'s median.
 * Then `mtl dash` (built) on a finished sweep of 10,000 trials, in a real terminal (tmux): the
 * time from launch until the screen shows trial rows, the median of up to three rounds.
 * Targets (issue 19): `mtl --help` ≤ 3×, `mtl list` and `mtl trials` ≤ 4×, the dashboard's
 * first frame ≤ 1 s on 10,000 trials.
 * Options: --rounds N (default 5), --dash-trials N (default 10000; 0 leaves the dashboard out).
 * The figures go to bench/results/cli.json (parts startup, dash) as each part finishes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { median } from "@mtl/scheduler";
import { buildBigSweep } from "../../packages/dashboard/src/ui/big-sweep.test-util.ts";
import { Tmux } from "../../test/helpers/tmux.ts";
import { type CliDashFigures, type CliStartupFigures, saveResults, startRun } from "./_results.ts";

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

/** A trial row on the dashboard's trials list: its number, state and strategy. */
const TRIAL_ROW = /^\s*\d+ +completed +(equal|single-task) /m;

/**
 * Milliseconds from launching the built `mtl dash` in a 120×40 tmux window until its screen
 * shows trial rows (polled every 20 ms). A dashboard that never shows them stops the bench.
 */
async function dashFirstFrame(db: string): Promise<number> {
  const tmux = new Tmux();
  try {
    const started = performance.now();
    tmux.start("dash", `${process.execPath} ${BUILT} dash --db ${db}; sleep 60`, { width: 120, height: 40 });
    for (;;) {
      const screen = tmux.screen("dash");
      if (TRIAL_ROW.test(screen)) return performance.now() - started;
      if (performance.now() - started > 120_000)
        throw new Error(`mtl dash showed no trial rows in 120 s:\n${screen}`);
      await sleep(20);
    }
  } finally {
    tmux.kill();
  }
}

/** The dashboard's first frame on a finished sweep of `n` trials, next to `node -e 0` in the same rounds. */
async function dashRows(n: number, rounds: number): Promise<CliDashFigures> {
  const big = buildBigSweep(n);
  big.store.close();
  try {
    const frames: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < rounds; r++) {
      bare.push(timed(process.execPath, ["-e", "0"]));
      frames.push(await dashFirstFrame(big.path));
    }
    const ms = median(frames);
    const base = median(bare);
    process.stdout.write(
      `\nmtl dash (built), ${n.toLocaleString("en")} finished trials, tmux 120×40, median of ${rounds} round(s)\n` +
        `${"first frame with trial rows".padEnd(40)} ${ms.toFixed(0).padStart(7)} ${`${(ms / base).toFixed(1)}×`.padStart(7)}  ≤ 1000 ms ${ms <= 1000 ? "met" : "missed"}\n` +
        `${"node -e 0 (same rounds)".padEnd(40)} ${base.toFixed(0).padStart(7)}\n`,
    );
    return { trials: n, rounds, ms, nodeMs: base, ratio: ms / base, targetMet: ms <= 1000 };
  } finally {
    rmSync(dirname(big.path), { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rounds = Math.max(1, Number(at("rounds")) || 5);
  const dashTrials = Number(at("dash-trials") ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), "mtl-bench-cli-"));
  const start = startRun(args);
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
      { name: "pnpm exec mtl --help (README)", run: () => timed("pnpm", ["exec", "mtl", "--help"]) },
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
    const startup: CliStartupFigures = { rounds, commands: [], tsxRatios: null };
    rows.forEach((row, k) => {
      const ms = median(times[k] ?? []);
      const ratio = ms / base;
      const target = row.target ? `≤ ${row.target}× ${ratio <= row.target ? "met" : "missed"}` : "";
      process.stdout.write(
        `${row.name.padEnd(40)} ${ms.toFixed(0).padStart(7)} ${`${ratio.toFixed(1)}×`.padStart(7)}  ${target}\n`,
      );
      startup.commands.push({
        name: row.name,
        ms,
        ratio,
        ...(row.target ? { target: row.target, targetMet: ratio <= row.target } : {}),
      });
    });
    const tsx = startup.commands.filter((c) => c.name.endsWith("(tsx, source)")).map((c) => c.ratio);
    if (tsx.length) startup.tsxRatios = [Math.min(...tsx), Math.max(...tsx)];
    saveResults("cli", { startup }, start);
    if (dashTrials > 0) {
      const dashStart = startRun(args);
      saveResults("cli", { dash: await dashRows(dashTrials, Math.min(rounds, 3)) }, dashStart);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
