import type { z } from "zod";

/** Formats zod issues as `path: message` lines, e.g. `tasks[1].metric: expected one of accuracy, f1, mse, mae`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${describe(issue)}`);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(root)";
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "invalid_type": {
      // zod 4 keeps the input only when asked to; its message names the type it received.
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (!issue.message.startsWith("Invalid input: expected") || !received) return issue.message;
      const integer = issue.expected === "int";
      const got =
        received === "undefined" ? "nothing" : integer && received === "number" ? "a fraction" : received;
      return `expected ${integer ? "an integer" : issue.expected}, got ${got}`;
    }
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
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
