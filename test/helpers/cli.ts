import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(ROOT, "apps", "cli", "src", "main.ts");
const BUILT = join(ROOT, "apps", "cli", "bin", "mtl.mjs");

/** Which `mtl` a test runs (see `mtlCommand`). */
export type Via = "built" | "tsx" | "readme";

/**
 * The one way tests launch the CLI: the command line of the real `mtl`. `built` (the default):
 * node running the esbuild bundle, the `mtl` that `pnpm install` links (test/global-setup.ts
 * builds it once before the suite); `tsx`: node running the TypeScript sources through tsx's
 * loader; `readme`: the launch form the README gives users (`pnpm exec mtl …`), to check that it
 * prints nothing of its own. `built` and `tsx` are node itself, never a launcher that runs the
 * program in a child: a SIGKILL must hit the process doing the work.
 */
export function mtlCommand(args: string[], via: Via = "built"): [string, ...string[]] {
  switch (via) {
    case "readme":
      return ["pnpm", "exec", "mtl", ...args];
    case "tsx":
      return [process.execPath, "--import", "tsx", MAIN, ...args];
    case "built":
      return [process.execPath, BUILT, ...args];
  }
}

/**
 * A shell line running `mtlCommand(args)` in a tmux window: it prints the exit code when the CLI
 * ends, then stays (a sleep) so that the screen can still be read.
 */
export function mtlShellLine(args: string[]): string {
  const quote = (w: string) => `'${w.replaceAll("'", "'\\''")}'`;
  const line = mtlCommand(args).map(quote).join(" ");
  return `cd ${quote(ROOT)} && INIT_CWD= ${line}; echo "[exited $?]"; sleep 600`;
}

export interface MtlOptions {
  env?: Record<string, string>;
  timeout?: number;
  /** Which `mtl` to run (see `mtlCommand`). @default "built" */
  via?: Via;
  /** Run as this user id (and its group), e.g. to meet permissions root would ignore. @default this process's */
  uid?: number;
}

/** Runs the real `mtl` CLI as a child process (never throws on a non-zero exit); stdout is a pipe. */
export function mtl(args: string[], options: MtlOptions = {}) {
  const [command, ...argv] = mtlCommand(args, options.via);
  return execa(command, argv, {
    cwd: ROOT,
    reject: false,
    timeout: options.timeout,
    env: { INIT_CWD: "", FORCE_COLOR: "0", ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = "mtl-e2e-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes an experiment file. It exports a plain object (what defineExperiment returns), so it
 * needs no import and can live outside the repo.
 */
export function writeExperiment(dir: string, name: string, spec: unknown): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `export default ${JSON.stringify(spec, null, 2)};\n`);
  return file;
}

/** A small, fast two-task experiment: 2 strategies × 2 seeds. */
export function tinyExperiment(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    dataset: {
      name: "classification",
      options: { n_samples: 400, n_features: 14, n_informative: 5, n_tasks: 2 },
    },
    tasks: [
      { name: "task1", kind: "classification", metric: "accuracy" },
      { name: "task2", kind: "classification", metric: "accuracy" },
    ],
    model: { architecture: "hard-sharing", hidden: [16] },
    strategies: ["equal", { name: "fixed" }],
    seeds: [0, 1],
    training: { epochs: 3, batchSize: 32, learningRate: 0.01 },
    ...overrides,
  };
}
