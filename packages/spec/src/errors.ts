import type { z } from "zod";
import { didYouMean } from "./suggest.ts";

/**
 * Formats zod issues as `path: message` lines, e.g. `tasks[1].metric: expected one of accuracy,
 * f1, mse, mae`. Given the `schema` that failed, an unknown field gets a "did you mean" from the
 * fields allowed at its path (`stratgies` → `strategies`), and a value outside an enum one from its
 * values when the parse kept its input (`{ reportInput: true }`).
 */
export function formatIssues(error: z.ZodError, schema?: z.ZodType): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${describe(issue, schema)}`);
}

/** The zod internals walked to find the fields allowed at a path. */
type Def = {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
};
const defOf = (schema: unknown): Def | undefined =>
  (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The field names an object schema allows at `path` (through defaults, optionals, pipes and arrays). */
export function fieldsAt(schema: unknown, path: readonly PropertyKey[]): string[] | undefined {
  let def = defOf(schema);
  let i = 0;
  for (let guard = 0; def && guard < 64; guard++) {
    if (def.innerType !== undefined) def = defOf(def.innerType);
    else if (def.type === "pipe") def = defOf(def.in);
    else if (i === path.length)
      return def.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
    else if (def.type === "object" && def.shape) def = defOf(def.shape[String(path[i++])]);
    else if (def.type === "array" && typeof path[i] === "number") {
      i++;
      def = defOf(def.element);
    } else return undefined;
  }
  return undefined;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(root)";
}

function describe(issue: z.core.$ZodIssue, schema?: z.ZodType): string {
  switch (issue.code) {
    case "invalid_value": {
      const values = issue.values.map((v) => String(v));
      const input = (issue as { input?: unknown }).input;
      const hint = typeof input === "string" ? didYouMean(input, values) : "";
      return `expected one of ${values.join(", ")}${hint}`;
    }
    case "invalid_type": {
      // zod 4 keeps the input only when asked to; its message names the type it received.
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (!issue.message.startsWith("Invalid input: expected") || !received) return issue.message;
      const integer = issue.expected === "int";
      const got =
        received === "undefined" ? "nothing" : integer && received === "number" ? "a fraction" : received;
      return `expected ${integer ? "an integer" : issue.expected}, got ${got}`;
    }
    case "unrecognized_keys": {
      const allowed = schema ? fieldsAt(schema, issue.path) : undefined;
      const keys = issue.keys.map((k) => (allowed ? `${k}${didYouMean(k, allowed)}` : k));
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys.join(", ")}`;
    }
    case "invalid_union": {
      return "expected " + (issue.message.replace(/^Invalid input/, "").trim() || "a valid value");
    }
    default:
      return issue.message;
  }
}

/**
 * The user's input is wrong (an experiment file, a flag, a request): what a CLI shows as a message
 * without a stack trace, and a server answers as an error reply. It carries no exit code; the CLI
 * maps it (to 2). `details` are one problem per line, each starting with its path.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "InputError";
  }
}
