/**
 * Everything that crosses the bus, as zod schemas: each message is validated on receipt, and one
 * that fails is rejected and recorded as a dead letter, never executed and never fatal.
 */
import { TrialConfig } from "@mtl/spec";
import { z } from "zod";

const finite = z.number().refine(Number.isFinite, "expected a finite number");

/** A trial to run. `runId`s are made by the worker, one per delivery. */
export const TrialMessage = z
  .object({
    kind: z.literal("trial"),
    sweepId: z.number().int(),
    trialId: z.number().int(),
    number: z.number().int(),
    pool: z.enum(["cpu", "gpu"]),
    config: TrialConfig,
  })
  .strict();
export type TrialMessage = z.output<typeof TrialMessage>;

const MetricPoint = z.object({
  task: z.string(),
  split: z.enum(["train", "val", "test"]),
  name: z.string(),
  value: z.number(), // NaN is legal inside a report: the trainer fails the trial on it
});

const base = { trialId: z.number().int(), runId: z.string().min(1), worker: z.string() };

export const TrialEvent = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("started"), ...base, backend: z.string() }).strict(),
  z
    .object({
      kind: z.literal("epoch"),
      ...base,
      /**
       * Consecutive epochs, oldest first: a worker sends one message per epoch unless epochs
       * finish faster than its flush interval, then several at once (see the worker).
       */
      reports: z
        .array(
          z.object({
            epoch: z.number().int().positive(),
            metrics: z.array(MetricPoint),
            weights: z.record(z.string(), z.number()),
            wallMs: finite,
          }),
        )
        .min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal("completed"),
      ...base,
      backend: z.string(),
      epochs: z.number().int(),
      final: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number()))),
    })
    .strict(),
  z
    .object({
      kind: z.literal("failed"),
      ...base,
      error: z.string(),
      retryable: z.boolean(),
      epoch: z.number().int(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("stopped"),
      ...base,
      status: z.enum(["pruned", "cancelled", "interrupted"]),
      epoch: z.number().int(),
    })
    .strict(),
]);
export type TrialEvent = z.output<typeof TrialEvent>;

/** A stable id per event, so that a redelivered event is recognised (JetStream msg id). */
export function eventId(e: TrialEvent): string {
  if (e.kind !== "epoch") return `${e.runId}.${e.kind}`;
  const first = e.reports[0]?.epoch;
  const last = e.reports[e.reports.length - 1]?.epoch;
  return first === last ? `${e.runId}.epoch.${first}` : `${e.runId}.epoch.${first}-${last}`;
}

export const ControlMessage = z
  .object({
    kind: z.enum(["cancel", "prune"]),
    trialId: z.number().int(),
    /** When set, only this run is stopped. */
    runId: z.string().optional(),
  })
  .strict();
export type ControlMessage = z.output<typeof ControlMessage>;

export const Heartbeat = z
  .object({
    name: z.string().min(1),
    host: z.string(),
    pool: z.enum(["cpu", "gpu"]),
    backend: z.string(),
    devices: z.array(z.string()),
    concurrency: z.number().int().positive(),
    running: z.array(z.number().int()),
    state: z.enum(["idle", "busy", "gone"]),
  })
  .strict();
export type Heartbeat = z.output<typeof Heartbeat>;

/** A message a worker rejected, forwarded to the coordinator to be recorded as a dead letter. */
export const RejectedMessage = z
  .object({ source: z.string(), payload: z.string(), error: z.string() })
  .strict();
export type RejectedMessage = z.output<typeof RejectedMessage>;

/** Parses a raw payload (bytes or text) against a schema, with a one-line reason on failure. */
export function decode<S extends z.ZodType>(
  schema: S,
  raw: string | Uint8Array,
): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    return { ok: false, error: "invalid JSON" };
  }
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return { ok: false, error: first.join("; ") };
}
