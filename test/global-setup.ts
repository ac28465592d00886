/**
 * Builds the `mtl` bundle once before the suite when a source changed since it was built, so
 * that the tests' many launches of the built CLI (helpers/cli's `mtlCommand`) do not each find
 * it stale and rebuild it at the same time.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./helpers/cli.ts";

export default async function setup(): Promise<void> {
  const build = await import(pathToFileURL(join(ROOT, "apps", "cli", "scripts", "build.mjs")).href);
  if (build.isStale()) await build.buildCli();
}
