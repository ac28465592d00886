/**
 * JSON for values whose numbers may be NaN or ±Infinity (metrics: a validation loss can overflow).
 * Plain JSON writes those as null; here they become the strings "NaN", "Infinity" and "-Infinity"
 * and read back as numbers. Only for JSON whose leaves are all numbers (final metrics), where such
 * a string cannot mean anything else.
 */
const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

export function stringifyNumbers(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}

export function parseNumbers(text: string): unknown {
  return JSON.parse(text, (_k, v) => (typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v));
}
