import { UsageError } from "@mtl/spec";

/** The experiment's search space cannot be planned (unknown strategy prefix, bad simplex key, …). */
export class SearchSpaceError extends UsageError {
  constructor(message: string, details: string[] = []) {
    super(message, 2, details);
    this.name = "SearchSpaceError";
  }
}

/** The sweep's objective is ambiguous or names something the tasks do not report. */
export class ObjectiveError extends UsageError {
  constructor(message: string) {
    super(message, 2);
    this.name = "ObjectiveError";
  }
}
