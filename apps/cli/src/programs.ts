/**
 * Where a worker's programs come from. On the embedded path, the experiment file's own `programs`
 * map (run in the file's folder); on a NATS worker, `--program NAME="command"` flags and programs
 * files, which the worker's own user wrote. Nothing here is ever read from a trial message.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { type Experiment, InputError, ProgramName } from "@mtl/spec";
import type { RegisteredProgram } from "@mtl/worker";
import { parse as parseShellWords } from "shell-quote";
import { userPath } from "./load-experiment.ts";

export type Programs = Record<string, RegisteredProgram>;

/** The experiment's own programs, run in its folder (relative paths resolve from there). */
export function embeddedPrograms(experiment: Experiment, experimentPath: string): Programs {
  const cwd = dirname(experimentPath);
  return Object.fromEntries(
    Object.entries(experiment.programs ?? {}).map(([name, command]) => [name, { command, cwd }]),
  );
}

/**
 * A command line split into words as a shell would (quotes, escapes), but never run by a shell:
 * operators (`|`, `&&`, `>`…) are refused and `$VARS` stay as typed.
 */
function words(command: string, where: string, name: string): string[] {
  const out: string[] = [];
  for (const w of parseShellWords(command, (key) => `$${key}`)) {
    if (typeof w !== "string")
      throw new InputError(
        `${where}: program "${name}": ${"op" in w ? `"${w.op}"` : "a pattern"} needs a shell, and programs are not run by one (put it in a script)`,
      );
    out.push(w);
  }
  return out;
}

/** Whether `file` can be run: a path that exists (relative to `cwd`), or a name found on PATH. */
function runnable(file: string, cwd: string): boolean {
  const isExecutable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes("/")) return isExecutable(isAbsolute(file) ? file : resolve(cwd, file));
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && isExecutable(join(dir, file)));
}

/** Checks one program's name and command; `where` names the flag or file for the error. */
function program(name: string, command: string[], cwd: string, where: string): [string, RegisteredProgram] {
  const n = ProgramName.safeParse(name);
  if (!n.success) throw new InputError(`${where}: "${name}": ${n.error.issues[0]?.message}`);
  const [file] = command;
  if (!file) throw new InputError(`${where}: program "${name}" has an empty command`);
  if (!runnable(file, cwd))
    throw new InputError(
      `${where}: program "${name}": ${file} is not ${file.includes("/") ? "an executable file" : "a command on PATH"}`,
    );
  return [name, { command, cwd }];
}

/** `--program NAME="python3 /opt/lab/train.py --fast"` (repeatable), run in the user's folder. */
export function programsOfFlags(flags: readonly string[]): Programs {
  const cwd = userPath(".");
  const out: Programs = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) throw new InputError(`--program: expected NAME="command and arguments", got "${flag}"`);
    const name = flag.slice(0, eq);
    const command = words(flag.slice(eq + 1).trim(), "--program", name);
    if (out[name]) throw new InputError(`--program: "${name}" is given twice`);
    const [k, v] = program(name, command, cwd, "--program");
    out[k] = v;
  }
  return out;
}

/**
 * A programs file: JSON `{ "NAME": ["python3", "train.py"] | "python3 train.py", … }`; relative
 * paths resolve from the file's folder (the programs run there).
 */
export function programsOfFile(file: string): Programs {
  const path = userPath(file);
  if (!existsSync(path)) throw new InputError(`--programs: ${file}: no such file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError(`--programs: ${file}: not JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new InputError(`--programs: ${file}: expected an object of NAME: command`);
  const cwd = dirname(path);
  const out: Programs = {};
  for (const [name, value] of Object.entries(json)) {
    const command =
      typeof value === "string"
        ? words(value.trim(), `--programs ${file}`, name)
        : Array.isArray(value) && value.every((v) => typeof v === "string" && v.length > 0)
          ? (value as string[])
          : undefined;
    if (!command)
      throw new InputError(
        `--programs: ${file}: "${name}": expected a command string or an array of strings`,
      );
    const [k, v] = program(name, command, cwd, `--programs ${file}`);
    out[k] = v;
  }
  return out;
}
