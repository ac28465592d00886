/**
 * Everything that crosses the bus, as zod schemas: each message is validated on receipt, and one
 * that fails is rejected and recorded as a dead letter, never executed and never fatal. Schemas
 * describe the wire form: `encodeMessage` turns a value into it (what JSON can carry), and parsing
 * (`decode`) turns it back.
 */
import { Objective, TrialConfig } from "@mtl/spec";
import { z } from "zod";

const finite = z.number().refine(Number.isFinite, "expected a finite number");

/**
 * A metric value on the wire. JSON has no NaN or ±Infinity (JSON.stringify writes null), and a
 * validation loss that overflows is data, not an error: such values travel as the strings "NaN",
 * "Infinity" and "-Infinity" and decode back to numbers.
 */
export const MetricValue = z.codec(
  z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]),
  z.custom<number>((v) => typeof v === "number", "expected a number"),
  {
    decode: (wire) => (typeof wire === "string" ? Number(wire) : wire),
    encode: (value) => (Number.isFinite(value) ? value : (String(value) as "NaN" | "Infinity" | "-Infinity")),
  },
);

/** A sweep's identity, unique across databases (the UUID the store minted when it planned it). */
const sweepUid = z.string().min(1);

/** A trial to run. `runId`s are made by the worker, one per delivery. */
export const TrialMessage = z
  .object({
    kind: z.literal("trial"),
    sweep: sweepUid,
    sweepId: z.number().int(),
    trialId: z.number().int(),
    number: z.number().int(),
    pool: z.enum(["cpu", "gpu"]),
    /**
     * Deliveries this message may have: the trial's attempts left when it was published (its
     * `sweep.maxAttempts` less the lost and failed ones). The bus gives it up (`onExhausted`)
     * instead of delivering it once more.
     */
    maxDeliveries: z.number().int().positive(),
    /** Attempts of the trial started before this message: a delivery's attempt is this + its delivery count. */
    priorAttempts: z.number().int().nonnegative().optional(),
    config: TrialConfig,
    /** The experiment's checkpoint cadence (`checkpoint`); absent: the worker's default. */
    checkpoint: z
      .object({
        enabled: z.boolean(),
        every: z.number().int().positive().optional(),
        everyMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /**
     * Keep the trial's final and best weights (a program's files), best on this objective (the
     * sweep's, read with the scheduler's `objectiveOf`). Absent: keep none.
     */
    keep: z.object({ objective: Objective }).strict().optional(),
  })
  .strict();
export type TrialMessage = z.output<typeof TrialMessage>;

const MetricPoint = z.object({
  task: z.string(),
  split: z.enum(["train", "val", "test"]),
  name: z.string(),
  value: MetricValue,
});

const base = { sweep: sweepUid, trialId: z.number().int(), runId: z.string().min(1), worker: z.string() };

/** The fields every event carries, read from one that failed validation to know whose it was. */
export const EventIdentity = z.object(base);
export type EventIdentity = z.output<typeof EventIdentity>;

export const TrialEvent = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("started"),
      ...base,
      backend: z.string(),
      /** The epoch of the checkpoint this run resumes from (0: none fitted, it starts afresh). */
      resumedFrom: z.number().int().nonnegative().optional(),
      /** Why checkpoints of the trial were not used (corrupted, another trial's), newest first. */
      resumeNotes: z.array(z.string().max(500)).max(8).optional(),
    })
    .strict(),
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
            weights: z.record(z.string(), MetricValue),
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
      final: z.record(z.string(), z.record(z.string(), z.record(z.string(), MetricValue))),
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

/**
 * Tells one run to stop. `cancel` and `prune`: stop and acknowledge the delivery (the trial is
 * over, or pruned); `release`: this run no longer holds the trial (its lease lapsed and another
 * worker has it), so stop without acknowledging or returning a delivery that is not its own;
 * `interrupt`: stop and give the trial back unfinished (its sweep was paused): it is queued again
 * and uses no attempt.
 */
export const ControlMessage = z
  .object({
    kind: z.enum(["cancel", "prune", "release", "interrupt"]),
    trialId: z.number().int(),
    runId: z.string().min(1),
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
    /** The user's programs it registered (it takes their trials). */
    programs: z.array(z.string()).optional(),
    concurrency: z.number().int().positive(),
    running: z.array(z.number().int()),
    state: z.enum(["idle", "busy", "gone"]),
  })
  .strict();
export type Heartbeat = z.output<typeof Heartbeat>;

/**
 * A message a worker rejected, forwarded to the coordinator to be recorded as a dead letter. An
 * event of its own that it could not send names its run (`identity`): that run's trial fails.
 */
export const RejectedMessage = z
  .object({ source: z.string(), payload: z.string(), error: z.string(), identity: EventIdentity.optional() })
  .strict();
export type RejectedMessage = z.output<typeof RejectedMessage>;

/**
 * A worker's bus gave a trial up: it was delivered `deliveries` times, its budget, without
 * finishing (workers died or lost their leases). The coordinator fails the trial.
 */
export const ExhaustedMessage = z
  .object({
    sweep: sweepUid,
    trialId: z.number().int(),
    deliveries: z.number().int(),
    source: z.string(),
    payload: z.string(),
  })
  .strict();
export type ExhaustedMessage = z.output<typeof ExhaustedMessage>;

/**
 * A worker's bus took a trial of a paused sweep off the queue without running it: the
 * coordinator publishes it again when the sweep resumes.
 */
export const WithheldMessage = z.object({ sweep: sweepUid, trialId: z.number().int() }).strict();
export type WithheldMessage = z.output<typeof WithheldMessage>;

/** What the bus knows of a sweep: whether its queued trials may start. */
export const SweepGate = z.object({ status: z.enum(["running", "paused"]) }).strict();
export type SweepGate = z.output<typeof SweepGate>;

/** A message that does not fit its schema (e.g. a metric that is neither a number nor "NaN"). */
export class InvalidMessage extends Error {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what} is not a valid message: ${reason}`);
    this.name = "InvalidMessage";
  }
}

const reasonOf = (error: z.ZodError) =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");

/** The wire form of `value` (JSON-safe: non-finite metrics as strings); throws InvalidMessage. */
export function encodeMessage<S extends z.ZodType>(
  schema: S,
  value: z.output<S>,
  what = "message",
): z.input<S> {
  const r = z.safeEncode(schema, value);
  if (!r.success) throw new InvalidMessage(what, reasonOf(r.error));
  return r.data;
}

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
  return { ok: false, error: reasonOf(r.error) };
}
