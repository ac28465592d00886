// Sums the JSON reports that every package's vitest run wrote, and prints one closing line
// ("N passed, N failed, N skipped") that CI and people can read at a glance.

import { execSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dirs = JSON.parse(execSync("pnpm -r ls --depth -1 --json", { encoding: "utf8" })).map((p) => p.path);
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of dirs) {
  const file = join(dir, ".test-results.json");
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  if (!r.success) missing.push(dir);
}
if (missing.length) console.log(`failing packages: ${missing.join(", ")}`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
