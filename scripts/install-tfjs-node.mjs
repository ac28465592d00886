/**
 * Runs the install scripts of the optional native TensorFlow.js packages (`@tensorflow/tfjs-node`,
 * `-gpu`), which pnpm is told not to run itself (`pnpm.neverBuiltDependencies` in package.json):
 * they download libtensorflow, and where that cannot be reached each printed a 20-line stack
 * trace. Here each runs quietly, its output kept in a log, and their failures are one line: training
 * then uses the wasm backend (packages/trainer/src/backend.ts). Packages already built are skipped.
 * Run by the root's postinstall; never fails the install (the packages are optional).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TRAINER = join(ROOT, "packages", "trainer", "package.json");
const LOGS = join(ROOT, "node_modules", ".mtl");

/** Whether the package's native addon is in place (as the trainer's backend checks it). */
function built(dir) {
  const lib = join(dir, "lib");
  return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, "tfjs_binding.node")));
}

/** The most telling line of a failed script's output: its error, else its last line. */
function reason(output) {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^Error\b|Error:/.test(l)) ?? lines.at(-1) ?? "no output";
}

const failed = [];
for (const pkg of ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"]) {
  let dir;
  try {
    dir = dirname(createRequire(TRAINER).resolve(`${pkg}/package.json`));
  } catch {
    continue; // optional: not installed on this platform
  }
  if (built(dir)) continue;
  const script = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).scripts?.install;
  if (!script) continue;
  const run = spawnSync(script, { cwd: dir, shell: true, encoding: "utf8", timeout: 600_000 });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? String(run.error) : ""}`;
  mkdirSync(LOGS, { recursive: true });
  const log = join(LOGS, `${pkg.replace("/", "+")}-install.log`);
  writeFileSync(log, output);
  if (run.status === 0 && built(dir)) continue;
  failed.push({ pkg, why: reason(output) });
}

if (failed.length > 0) {
  const why = [...new Set(failed.map((f) => f.why))].join("; ");
  process.stdout.write(
    `${failed.map((f) => f.pkg).join(", ")}: no native libtensorflow (${why}); training uses the wasm backend. Logs: ${relative(ROOT, LOGS)}\n`,
  );
}
