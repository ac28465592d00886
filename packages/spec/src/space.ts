/**
 * Search-space parameters. They are plain data (JSON), so a sweep's space can be stored in the
 * database and sent to another process; samplers in @mtl/scheduler interpret them.
 */
import { z } from "zod";

export const ChoiceParam = z.object({
  kind: z.literal("choice"),
  values: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1),
});
export const UniformParam = z.object({ kind: z.literal("uniform"), low: z.number(), high: z.number() });
export const LogUniformParam = z.object({
  kind: z.literal("loguniform"),
  low: z.number().positive(),
  high: z.number().positive(),
});
export const IntParam = z.object({
  kind: z.literal("int"),
  low: z.number().int(),
  high: z.number().int(),
  step: z.number().int().positive().default(1),
});
/**
 * Task weights λ on the simplex (scaled so that Σλ = number of tasks, as "equal" gives λ = 1).
 * `resolution` r gives the regular grid {k/r}; `samples` draws that many Dirichlet(α) points.
 */
export const SimplexParam = z.object({
  kind: z.literal("simplex"),
  tasks: z.array(z.string()).min(2),
  resolution: z.number().int().positive().optional(),
  samples: z.number().int().positive().optional(),
  concentration: z.number().positive().default(1),
});

export const Param = z.discriminatedUnion("kind", [
  ChoiceParam,
  UniformParam,
  LogUniformParam,
  IntParam,
  SimplexParam,
]);
export type Param = z.infer<typeof Param>;
export type ParamInput = z.input<typeof Param>;
/** A value a parameter can take: a scalar, or a task→weight record for `simplex`. */
export type ParamValue = string | number | boolean | null | Record<string, number>;

export const choice = <T extends string | number | boolean | null>(
  values: readonly T[],
): { kind: "choice"; values: T[] } => ({
  kind: "choice",
  values: [...values],
});
export const uniform = (low: number, high: number): { kind: "uniform"; low: number; high: number } => ({
  kind: "uniform",
  low,
  high,
});
export const loguniform = (low: number, high: number): { kind: "loguniform"; low: number; high: number } => ({
  kind: "loguniform",
  low,
  high,
});
export const int = (
  low: number,
  high: number,
  step = 1,
): { kind: "int"; low: number; high: number; step: number } => ({
  kind: "int",
  low,
  high,
  step,
});
/** Task weights on the simplex: `{ resolution: r }` for the regular grid, `{ samples: n }` for Dirichlet draws. */
export const simplex = (
  tasks: readonly string[],
  options: { resolution?: number; samples?: number; concentration?: number } = { resolution: 4 },
): { kind: "simplex"; tasks: string[]; resolution?: number; samples?: number; concentration: number } => ({
  kind: "simplex",
  tasks: [...tasks],
  concentration: 1,
  ...options,
});
