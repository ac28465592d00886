/**
 * The dashboard protocol: core-NATS request/reply between a dashboard and a coordinator.
 *
 * | subject              | request (validated)                       | reply                |
 * |----------------------|-------------------------------------------|----------------------|
 * | `mtl.dash.snapshot`  | `{ sweepId?, trials?: { offset, limit, sort, reverse, filter } }` | Snapshot (one page of trials) |
 * | `mtl.dash.trial`     | `{ trialId, maxPoints? }`                 | TrialDetail or null  |
 * | `mtl.dash.action`    | `{ action: "cancel", trialId }` or `{ action: "pause" \| "resume", sweepId }` | ActionResult |
 *
 * A reply `{ error: string }` reports a failure. The server side is a `DashboardService` (built by
 * the coordinator from its store); `answerDashboard` turns a request's bytes into a reply's bytes
 * and never throws. Requests over `DASH_REQUEST_BYTES` and replies over the server's
 * `max_payload` become `{ error }` replies (see serve.ts).
 */
import { z } from "zod";
import { DASH_REQUEST_BYTES } from "../limits.ts";
import type { Snapshot, SortKey, TrialDetail } from "./views.ts";

export const DASH_SUBJECTS = {
  snapshot: "mtl.dash.snapshot",
  trial: "mtl.dash.trial",
  action: "mtl.dash.action",
  all: "mtl.dash.>",
} as const;

const id = z.number().int().positive();

/** Trials a snapshot page holds at most: a terminal shows far fewer. */
export const MAX_PAGE = 500;
/** Points per series a trial's detail holds at most. */
export const MAX_POINTS = 10_000;

/** Which trials a snapshot carries: one page of the sweep's trials, sorted and filtered by the server. */
export const TrialsQuery = z
  .object({
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(MAX_PAGE).default(100),
    sort: z
      .string()
      .max(200)
      .regex(/^(number|state|method|objective|deltaM|task:.+)$/, "expected a sort key")
      .default("number")
      .transform((s) => s as SortKey),
    reverse: z.boolean().default(false),
    /** The trials filter (`state:running method:pcgrad` or any text). */
    filter: z.string().max(200).default(""),
  })
  .strict();
export type TrialsQuery = z.input<typeof TrialsQuery>;

export const SnapshotRequest = z.object({ sweepId: id.optional(), trials: TrialsQuery.optional() }).strict();
/** What a dashboard sends (defaults not applied). */
export type SnapshotRequest = z.input<typeof SnapshotRequest>;
/** What a service answers: the request validated, with defaults. */
export type SnapshotQuery = z.output<typeof SnapshotRequest>;

export const TrialRequest = z
  .object({
    trialId: id,
    /** Downsample each curve to at most this many points (the chart's resolution). */
    maxPoints: z.number().int().min(2).max(MAX_POINTS).optional(),
  })
  .strict();
export type TrialRequest = z.output<typeof TrialRequest>;

/** An action a person takes from the dashboard. */
export const DashAction = z.discriminatedUnion("action", [
  z.object({ action: z.literal("cancel"), trialId: id }).strict(),
  z.object({ action: z.enum(["pause", "resume"]), sweepId: id }).strict(),
]);
export type DashAction = z.output<typeof DashAction>;

/** The outcome of an action, shown on the dashboard's status line. */
export interface ActionResult {
  ok: boolean;
  message: string;
}

/** What answers the dashboard: the coordinator's view of its store. */
export interface DashboardService {
  snapshot(request: SnapshotQuery): Snapshot | Promise<Snapshot>;
  trial(request: TrialRequest): TrialDetail | null | Promise<TrialDetail | null>;
  action(action: DashAction): ActionResult | Promise<ActionResult>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const reply = (value: unknown) => encoder.encode(JSON.stringify(value ?? null));

/** A request that is malformed, as opposed to a valid one the service could not answer. */
class BadRequest extends Error {}

function parse<S extends z.ZodType>(schema: S, data: Uint8Array): z.output<S> {
  let body: unknown = {};
  if (data.length > 0) {
    try {
      body = JSON.parse(decoder.decode(data));
    } catch {
      throw new BadRequest("bad request: invalid JSON");
    }
  }
  const r = schema.safeParse(body);
  if (!r.success)
    throw new BadRequest(
      `bad request: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  return r.data;
}

export interface AnswerOptions {
  /** A reply larger than this (the server's `max_payload`) becomes an error reply. @default unbounded */
  maxReplyBytes?: number;
  /** Called with the reason when a request is refused as malformed (to be recorded as a dead letter). */
  onBadRequest?: (error: string) => void;
}

/**
 * The reply (as bytes) to a dashboard request on `subject`. Never throws: a bad or oversized
 * request, an unknown subject, a failing service and a reply too large to send become `{ error }`
 * replies.
 */
export async function answerDashboard(
  service: DashboardService,
  subject: string,
  data: Uint8Array,
  options: AnswerOptions = {},
): Promise<Uint8Array> {
  let answer: Uint8Array;
  const refuse = (error: string) => {
    options.onBadRequest?.(error);
    return reply({ error });
  };
  try {
    if (data.length > DASH_REQUEST_BYTES)
      return refuse(`bad request: ${data.length} bytes (at most ${DASH_REQUEST_BYTES})`);
    switch (subject) {
      case DASH_SUBJECTS.snapshot:
        answer = reply(await service.snapshot(parse(SnapshotRequest, data)));
        break;
      case DASH_SUBJECTS.trial:
        answer = reply(await service.trial(parse(TrialRequest, data)));
        break;
      case DASH_SUBJECTS.action:
        answer = reply(await service.action(parse(DashAction, data)));
        break;
      default:
        return refuse(`unknown subject ${subject.slice(0, 100)}`);
    }
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 1000);
    return error instanceof BadRequest ? refuse(message) : reply({ error: message });
  }
  const max = options.maxReplyBytes;
  if (max !== undefined && answer.length > max)
    return reply({
      error: `reply too large: ${answer.length} bytes, over the NATS server's max_payload (${max}); ask for less`,
    });
  return answer;
}

/** The part of a NATS connection a dashboard client uses (the `nats` client's NatsConnection fits). */
export interface Requester {
  request(subject: string, data: Uint8Array, opts: { timeout: number }): Promise<{ data: Uint8Array }>;
  close(): Promise<void>;
}

/** A reply that could not be used: a timeout, no coordinator listening, or an error reply. */
export class DashRequestError extends Error {
  override name = "DashRequestError";
}

/** The dashboard's end of the protocol: typed requests, replies checked for `{ error }`. */
export class DashboardClient {
  constructor(
    private readonly requester: Requester,
    /** Milliseconds to wait for a reply. */
    private readonly timeoutMs = 2000,
  ) {}

  private async ask<T>(subject: string, body: unknown): Promise<T> {
    let answer: { data: Uint8Array };
    try {
      answer = await this.requester.request(subject, encoder.encode(JSON.stringify(body)), {
        timeout: this.timeoutMs,
      });
    } catch (error) {
      throw new DashRequestError(`no answer on ${subject}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(answer.data));
    } catch (error) {
      throw new DashRequestError(`unreadable answer on ${subject}`, { cause: error });
    }
    if (value && typeof value === "object" && "error" in value && typeof value.error === "string")
      throw new DashRequestError(`${subject}: ${value.error}`);
    return value as T;
  }

  snapshot(request: SnapshotRequest): Promise<Snapshot> {
    return this.ask(DASH_SUBJECTS.snapshot, request);
  }

  trial(request: TrialRequest): Promise<TrialDetail | null> {
    return this.ask(DASH_SUBJECTS.trial, request);
  }

  action(action: DashAction): Promise<ActionResult> {
    return this.ask(DASH_SUBJECTS.action, action);
  }

  close(): Promise<void> {
    return this.requester.close();
  }
}
