import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Experiment, ExperimentSpec, formatIssues, InputError } from "@mtl/spec";

/** Paths on the command line are relative to where the user ran `pnpm mtl`, not the repo root. */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/**
 * Imports an experiment file and validates its default export. Every failure becomes a
 * InputError (exit 2) with one clear message, and for schema errors one line per problem.
 */
export async function loadExperiment(file: string): Promise<{ experiment: Experiment; path: string }> {
  const path = userPath(file);
  if (!existsSync(path)) throw new InputError(`experiment file not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (error) {
    const message = (error as Error).message?.split("\n")[0] ?? String(error);
    throw new InputError(`could not load experiment file ${file}: ${message}`);
  }
  const spec = mod.default ?? mod.experiment;
  if (spec === undefined)
    throw new InputError(`${file} has no experiment: export default defineExperiment({ ... })`);
  const parsed = ExperimentSpec.safeParse(spec);
  if (!parsed.success) throw new InputError(`invalid experiment file ${file}:`, formatIssues(parsed.error));
  return { experiment: parsed.data, path };
}
