import { existsSync, readFileSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Experiment, ExperimentSpec, formatIssues, InputError } from "@mtl/spec";

/** Paths on the command line are relative to where the user ran `mtl`, not the repo root. */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD || process.cwd(), path);
}

function isTranspiledCommonJs(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && (value as { __esModule?: unknown }).__esModule === true
  );
}

let typescript: Promise<void> | undefined;

/**
 * Registers tsx's loader, once: from the sources the CLI already runs under it, but the built CLI
 * (bin/mtl.mjs; esbuild sets `process.env.MTL_BUNDLED` at build time) has none until it meets
 * a TypeScript file, since registering it up front costs more than the rest of the start-up.
 */
function registerTypeScript(): Promise<void> {
  // What `node --import tsx` loads: the ESM and the CommonJS hooks (a .ts file outside any
  // package with "type": "module" is CommonJS to Node).
  typescript ??= Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]).then(([esm, cjs]) => {
    cjs.register();
    esm.register();
  });
  return typescript;
}

/**
 * Imports an experiment file and validates its default export. Every failure becomes an
 * InputError (exit 2) with one clear message: for syntax and import errors the file, line,
 * column and the compiler's message with the line itself; for schema errors one line per problem.
 */
export async function loadExperiment(file: string): Promise<{ experiment: Experiment; path: string }> {
  const path = userPath(file);
  if (!existsSync(path)) throw new InputError(`experiment file not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    if (process.env.MTL_BUNDLED && /\.[cm]?tsx?$/.test(path)) await registerTypeScript();
    mod = await import(pathToFileURL(path).href);
  } catch (error) {
    throw loadError(error, file, path);
  }
  // A file Node reads as CommonJS (no "type": "module" above it) arrives as its exports object
  // when tsx's loader was registered late (the built CLI): unwrap it as interop does.
  if (isTranspiledCommonJs(mod.default)) mod = mod.default;
  const spec = mod.default ?? mod.experiment;
  if (spec === undefined)
    throw new InputError(`${file} has no experiment: export default defineExperiment({ ... })`);
  const parsed = ExperimentSpec.safeParse(spec, { reportInput: true });
  if (!parsed.success) {
    // The file without its invalid fields (defaults in their place), so that the names it gets
    // right or wrong can be checked too: every problem is reported at once, not one kind per run.
    const rest = ExperimentSpec.safeParse(withoutIssues(spec, parsed.error.issues));
    throw new ExperimentSchemaError(
      `invalid experiment file ${file}:`,
      formatIssues(parsed.error, ExperimentSpec),
      rest.success ? { experiment: rest.data, path } : undefined,
    );
  }
  return { experiment: parsed.data, path };
}

/** A schema error, with the rest of the file (when it parses without the invalid fields). */
export class ExperimentSchemaError extends InputError {
  constructor(
    message: string,
    details: readonly string[],
    readonly rest?: { experiment: Experiment; path: string },
  ) {
    super(message, details);
  }
}

/** A deep copy of `value` without the fields the issues point at (unknown keys included). */
function withoutIssues(
  value: unknown,
  issues: readonly { path: PropertyKey[]; code: string; keys?: string[] }[],
) {
  const copy = structuredClone(value) as Record<PropertyKey, unknown>;
  const drop = (path: PropertyKey[]) => {
    let at: unknown = copy;
    for (const p of path.slice(0, -1)) at = (at as Record<PropertyKey, unknown> | undefined)?.[p];
    const last = path.at(-1);
    if (at && typeof at === "object" && last !== undefined) {
      if (Array.isArray(at) && typeof last === "number") at.splice(last, 1, undefined);
      else delete (at as Record<PropertyKey, unknown>)[last];
    }
  };
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") for (const k of issue.keys ?? []) drop([...issue.path, k]);
    else drop(issue.path);
  }
  // Array items dropped as holes (so later issues' indices still hold), then closed up.
  const compact = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.filter((x) => x !== undefined).map(compact)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]))
        : v;
  return compact(copy);
}

interface Located {
  line: number;
  column: number;
  message: string;
}

/** The source line and a caret under the column, for a message that points into the file. */
function excerpt(path: string, line: number, column: number): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8").split(/\r?\n/)[line - 1] ?? "";
  } catch {
    return [];
  }
  const shown = text.replace(/\t/g, " ").slice(0, 160);
  return [`    ${shown}`, `    ${" ".repeat(Math.min(column, shown.length))}^`];
}

/**
 * Where a failed import went wrong in the experiment file itself: esbuild's `file:line:col: ERROR:
 * message` lines for syntax errors, the import statement naming a module that cannot be found,
 * or the file's frame in the stack of an error thrown while it ran.
 */
function locate(error: unknown, path: string): Located[] {
  const message = String((error as Error)?.message ?? error);
  // esbuild and stack frames name the file by its real path: through a symlinked folder (macOS's
  // /tmp is one) the path as typed would not match.
  const paths = [...new Set([path, realpathOr(path)])];
  const escaped = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const syntax = [...message.matchAll(new RegExp(`^(?:${escaped}):(\\d+):(\\d+): ERROR: (.*)$`, "gm"))];
  if (syntax.length > 0)
    return syntax.map((m) => ({ line: Number(m[1]), column: Number(m[2]), message: m[3] ?? "" }));
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(message)?.[1];
  if (missing) {
    const lines = readFileSync(path, "utf8").split(/\r?\n/);
    const at = lines.findIndex((l) => l.includes(`"${missing}"`) || l.includes(`'${missing}'`));
    if (at >= 0)
      return [
        {
          line: at + 1,
          column: Math.max(0, (lines[at] ?? "").indexOf(missing) - 1),
          message: `cannot find module "${missing}"`,
        },
      ];
  }
  const frame = new RegExp(`(?:${escaped}):(\\d+):(\\d+)`).exec(String((error as Error)?.stack ?? ""));
  if (frame)
    return [{ line: Number(frame[1]), column: Number(frame[2]) - 1, message: message.split("\n")[0] ?? "" }];
  return [];
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function loadError(error: unknown, file: string, path: string): InputError {
  const located = locate(error, path);
  if (located.length === 0) {
    const first = String((error as Error)?.message ?? error).split("\n")[0];
    return new InputError(`could not load experiment file ${file}: ${first}`, [], { cause: error });
  }
  const details = located.flatMap((l) => [
    `${file}:${l.line}:${l.column + 1}: ${l.message}`,
    ...excerpt(path, l.line, l.column),
  ]);
  const head = located.length === 1 ? located[0]?.message : `${located.length} errors`;
  return new InputError(`could not load experiment file ${file}: ${head}`, details, { cause: error });
}
