import { InputError } from "@mtl/spec";

/** The experiment's search space cannot be planned (unknown strategy prefix, bad simplex key, …). */
export class SearchSpaceError extends InputError {
  override name = "SearchSpaceError";
}

/** The sweep's objective is ambiguous or names something the tasks do not report. */
export class ObjectiveError extends InputError {
  override name = "ObjectiveError";
}
