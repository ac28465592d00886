/**
 * `pnpm bench checkpoint`: what checkpoints cost a trial, for the models of
 * experiments/quickstart.ts and experiments/mnist-multitask.ts (their first strategy, seed 0,
 * on wasm): the size of a checkpoint and of kept weights, the time to take one (capture, encode,
 * SHA-256: from the end of `onEpoch` to the `save` call; storing it is the caller's), and the
 * wall time of the same trial without checkpoints, at the default cadence and at one an epoch,
 * run side by side: the share of each run's wall time spent taking checkpoints (measured in the
 * run) and the ratio of the fastest wall times (noise from other work on the machine only ever
 * adds time; the order of the three rotates each round). "mnist long" is the mnist trial on 4,000 digits for 5 epochs: long enough for the
 * default cadence to save at all.
 * Then the whole quickstart sweep (`mtl run experiments/quickstart.ts`, 40 trials, this machine's
 * cores) with checkpoints and kept models as by default against `checkpoint: { enabled: false,
 * keep: "none" }`, alternating which goes first each round: the median wall time of each and
 * their ratio (the target: at most 3% more).
 * Options: --rounds N (default 3); --sweep-rounds N (default 2; 0 skips the sweep); --only-sweep.
 * The figures go to bench/results/checkpoint.json (parts perTrial, sweep) as each part finishes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TrialConfig } from "@mtl/spec";
import {
  DEFAULT_CHECKPOINT_MS,
  decodeCheckpoint,
  initBackend,
  runTrial,
  type TrainHooks,
} from "@mtl/trainer";
import { execa } from "execa";
import {
  type CheckpointModelFigures,
  type CheckpointPerTrialFigures,
  type CheckpointSweepFigures,
  saveResults,
  startRun,
} from "./_results.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function trialOf(
  name: string,
  over: (e: Record<string, unknown>) => Record<string, unknown> = (e) => e,
) {
  const e = over(
    ((await import(join(root, "experiments", `${name}.ts`))) as { default: Record<string, unknown> }).default,
  );
  return TrialConfig.parse({
    experiment: e.name,
    dataset: e.dataset,
    tasks: e.tasks,
    model: e.model,
    strategy: (e.strategies as unknown[])[0],
    training: e.training,
    seed: 0,
    backend: "wasm",
  });
}

interface Sample {
  wallMs: number;
  saves: number;
  bytes: number;
  saveMs: number[];
}

async function timed(config: TrialConfig, checkpoint?: { every?: number }): Promise<Sample> {
  const s: Sample = { wallMs: 0, saves: 0, bytes: 0, saveMs: [] };
  let reported = 0;
  const hooks: TrainHooks = {
    onEpoch: () => {
      reported = performance.now();
    },
    ...(checkpoint
      ? {
          checkpoint: {
            ...checkpoint,
            save: ({ bytes }) => {
              s.saveMs.push(performance.now() - reported);
              s.saves++;
              s.bytes = bytes.length;
            },
          },
        }
      : {}),
  };
  const started = performance.now();
  const outcome = await runTrial(config, hooks);
  s.wallMs = performance.now() - started;
  if (outcome.status !== "completed") throw new Error(`trial ${outcome.status}: ${outcome.error ?? ""}`);
  return s;
}

/** The size of the trial's kept weights, and its parameter count. */
async function kept(config: TrialConfig): Promise<{ bytes: number; params: number }> {
  let bytes: Uint8Array = new Uint8Array(0);
  await runTrial(config, {
    keep: {
      save: (m) => {
        bytes = m.bytes;
      },
    },
  });
  const params = decodeCheckpoint(bytes).parameters.reduce((s, p) => s + p.values.length, 0);
  return { bytes: bytes.length, params };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf("--rounds");
  const rounds = i >= 0 ? Math.max(1, Number(args[i + 1]) || 3) : 3;
  const j = args.indexOf("--sweep-rounds");
  const sweepRounds = j >= 0 ? Math.max(0, Number(args[j + 1]) || 0) : 2;
  const k = args.indexOf("--only-sweep");
  if (k < 0) {
    const start = startRun(args);
    saveResults("checkpoint", { perTrial: await perTrial(rounds) }, start);
  }
  if (sweepRounds > 0) {
    const start = startRun(args);
    saveResults("checkpoint", { sweep: await sweepOverhead(sweepRounds) }, start);
  }
}

async function perTrial(rounds: number): Promise<CheckpointPerTrialFigures> {
  await initBackend("wasm");
  const models: [string, TrialConfig][] = [
    ["quickstart", await trialOf("quickstart")],
    ["mnist", await trialOf("mnist-multitask")],
    [
      "mnist long",
      await trialOf("mnist-multitask", (e) => ({
        ...e,
        dataset: { name: "mnist-multitask", options: { n_samples: 4000 } },
        training: { ...(e.training as object), epochs: 5 },
      })),
    ],
  ];
  process.stdout.write(
    `checkpoints on wasm, ${rounds} rounds each, default cadence ${DEFAULT_CHECKPOINT_MS / 1000} s\n` +
      "model      |  params | checkpoint |     kept | ms/save | wall, none | default: saves, share, ratio | every epoch: saves, share, ratio\n",
  );
  const figures: CheckpointPerTrialFigures = { rounds, models: {} };
  for (const [name, config] of models) {
    await timed(config); // warm: data, V8, kernels
    const none: number[] = [];
    const byDefault: Sample[] = [];
    const every: Sample[] = [];
    // The three side by side, in a rotating order: a trial run after others in a row was
    // slower whatever it did (garbage of the ones before), which a fixed order would charge to one.
    const runs = [
      async () => none.push((await timed(config)).wallMs),
      async () => byDefault.push(await timed(config, {})),
      async () => every.push(await timed(config, { every: 1 })),
    ];
    for (let r = 0; r < rounds; r++)
      for (let k = 0; k < runs.length; k++) await runs[(r + k) % runs.length]?.();
    const k = await kept(config);
    const base = Math.min(...none);
    const figuresOf = (xs: Sample[]) => ({
      saves: median(xs.map((x) => x.saves)),
      share: median(xs.map((x) => x.saveMs.reduce((a, b) => a + b, 0) / x.wallMs)),
      ratio: Math.min(...xs.map((x) => x.wallMs)) / base,
    });
    const column = (xs: Sample[]) => {
      const { saves, share, ratio } = figuresOf(xs);
      return `${String(saves).padStart(3)}, ${(100 * share).toFixed(2).padStart(5)}%, ${ratio.toFixed(3)}`;
    };
    figures.models[name] = {
      params: k.params,
      checkpointBytes: every[0]?.bytes ?? 0,
      keptBytes: k.bytes,
      msPerSave: median(every.flatMap((x) => x.saveMs)),
      wallNoneSeconds: base / 1000,
      byDefault: figuresOf(byDefault),
      everyEpoch: figuresOf(every),
    } satisfies CheckpointModelFigures;
    process.stdout.write(
      `${name.padEnd(10)} | ${String(k.params).padStart(7)} | ${kb(every[0]?.bytes ?? 0).padStart(10)} | ${kb(k.bytes).padStart(8)} | ${median(
        every.flatMap((x) => x.saveMs),
      )
        .toFixed(1)
        .padStart(
          7,
        )} | ${(base / 1000).toFixed(2).padStart(8)} s | ${column(byDefault).padStart(28)} | ${column(every).padStart(32)}\n`,
    );
  }
  return figures;
}

/** One run of the quickstart sweep through the built CLI into a fresh results file: its wall time (ms). */
async function sweepOnce(file: string, dir: string, tag: string): Promise<number> {
  const db = join(dir, `${tag}-${Math.random().toString(36).slice(2)}.db`);
  const started = performance.now();
  const r = await execa(
    process.execPath,
    [join(root, "apps", "cli", "bin", "mtl.mjs"), "run", file, "--db", db],
    {
      reject: false,
      env: { FORCE_COLOR: "0" },
    },
  );
  const ms = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`mtl run ${tag} failed (${r.exitCode}): ${r.stderr}`);
  return ms;
}

/** The quickstart sweep with checkpoints and kept models (the defaults) and without, side by side. */
export async function sweepOverhead(rounds: number): Promise<CheckpointSweepFigures> {
  const dir = mkdtempSync(join(tmpdir(), "mtl-bench-keep-"));
  try {
    const quickstart = JSON.stringify(join(root, "experiments", "quickstart.ts"));
    const on = join(dir, "on.ts");
    const off = join(dir, "off.ts");
    writeFileSync(on, `import q from ${quickstart};\nexport default q;\n`);
    writeFileSync(
      off,
      `import q from ${quickstart};\nexport default { ...q, checkpoint: { enabled: false, keep: "none" } };\n`,
    );
    const times = { on: [] as number[], off: [] as number[] };
    for (let r = 0; r < rounds; r++)
      for (const which of r % 2 ? (["off", "on"] as const) : (["on", "off"] as const))
        times[which].push(await sweepOnce(which === "on" ? on : off, dir, which));
    const a = median(times.on);
    const b = median(times.off);
    process.stdout.write(
      `quickstart sweep (40 trials), ${rounds} round(s): checkpoints + kept models ${(a / 1000).toFixed(1)} s, ` +
        `none ${(b / 1000).toFixed(1)} s (medians): ${(100 * (a / b - 1)).toFixed(1)}% ` +
        `[on ${times.on.map((t) => (t / 1000).toFixed(1)).join(", ")} · off ${times.off.map((t) => (t / 1000).toFixed(1)).join(", ")}]\n`,
    );
    return { rounds, onMs: a, offMs: b, overhead: a / b - 1, targetMet: a / b - 1 <= 0.03 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
