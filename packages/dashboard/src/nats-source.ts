/**
 * The dashboard's data from a coordinator over core-NATS request/reply. Subjects and payloads:
 *
 * | subject              | request                                   | reply                |
 * |----------------------|-------------------------------------------|----------------------|
 * | `mtl.dash.snapshot`  | `{ sweepId? }`                            | Snapshot             |
 * | `mtl.dash.trial`     | `{ trialId }`                             | TrialDetail or null  |
 * | `mtl.dash.action`    | `{ action: "cancel", trialId }` or `{ action: "pause" \| "resume", sweepId }` | ActionResult |
 *
 * A reply `{ error: string }` reports a failure. `answerDashRequest` builds these replies from a
 * store, so the coordinator answers exactly what the SQLite source would read.
 */
import type { Store } from "@mtl/store";
import { applyAction } from "./actions.ts";
import { loadSnapshot, loadTrialDetail } from "./load-snapshot.ts";
import type { Snapshot, TrialDetail } from "./snapshot.ts";
import type { ActionResult, DashAction, DashboardSource } from "./source.ts";

export const DASH_SUBJECTS = {
  snapshot: "mtl.dash.snapshot",
  trial: "mtl.dash.trial",
  action: "mtl.dash.action",
} as const;

/** The part of a NATS connection this source uses (the `nats` client's NatsConnection fits). */
export interface Requester {
  request(subject: string, data: Uint8Array, opts: { timeout: number }): Promise<{ data: Uint8Array }>;
  close(): Promise<void>;
}

/** A reply that could not be used: a timeout, no coordinator listening, or an error reply. */
export class DashRequestError extends Error {
  override name = "DashRequestError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface NatsSourceOptions {
  /** Milliseconds to wait for the coordinator's reply. @default 2000 */
  timeoutMs?: number;
}

export class NatsSource implements DashboardSource {
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: Requester,
    options: NatsSourceOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  private async ask<T>(subject: string, body: unknown): Promise<T> {
    let reply: { data: Uint8Array };
    try {
      reply = await this.nc.request(subject, encoder.encode(JSON.stringify(body)), {
        timeout: this.timeoutMs,
      });
    } catch (error) {
      throw new DashRequestError(`no answer on ${subject}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(reply.data));
    } catch (error) {
      throw new DashRequestError(`unreadable answer on ${subject}`, { cause: error });
    }
    if (value && typeof value === "object" && "error" in value && typeof value.error === "string")
      throw new DashRequestError(`${subject}: ${value.error}`);
    return value as T;
  }

  snapshot(sweepId?: number): Promise<Snapshot> {
    return this.ask(DASH_SUBJECTS.snapshot, sweepId === undefined ? {} : { sweepId });
  }

  async trialDetail(trialId: number): Promise<TrialDetail | undefined> {
    return (await this.ask<TrialDetail | null>(DASH_SUBJECTS.trial, { trialId })) ?? undefined;
  }

  private async act(a: DashAction): Promise<ActionResult> {
    try {
      return await this.ask<ActionResult>(DASH_SUBJECTS.action, a);
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  cancel(trialId: number): Promise<ActionResult> {
    return this.act({ action: "cancel", trialId });
  }

  pause(sweepId: number): Promise<ActionResult> {
    return this.act({ action: "pause", sweepId });
  }

  resume(sweepId: number): Promise<ActionResult> {
    return this.act({ action: "resume", sweepId });
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

const positiveInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/** Checks an action request off the wire. */
export function parseDashAction(value: unknown): DashAction | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  if (v.action === "cancel" && positiveInt(v.trialId)) return { action: "cancel", trialId: v.trialId };
  if ((v.action === "pause" || v.action === "resume") && positiveInt(v.sweepId))
    return { action: v.action, sweepId: v.sweepId };
  return undefined;
}

/**
 * The reply (as bytes) to a dashboard request on `subject`, answered from `store`. For the
 * coordinator: `nc.subscribe("mtl.dash.>", { callback: (_e, m) => m.respond(answerDashRequest(store, m.subject, m.data)) })`.
 * Never throws: bad requests and failures become `{ error }` replies.
 */
export function answerDashRequest(store: Store, subject: string, data: Uint8Array): Uint8Array {
  const reply = (value: unknown) => encoder.encode(JSON.stringify(value ?? null));
  let body: Record<string, unknown>;
  try {
    body = data.length === 0 ? {} : (JSON.parse(decoder.decode(data)) as Record<string, unknown>);
    if (!body || typeof body !== "object") throw new Error("expected a JSON object");
  } catch (error) {
    return reply({ error: `bad request: ${(error as Error).message}` });
  }
  try {
    if (subject === DASH_SUBJECTS.snapshot) {
      const id = body.sweepId;
      if (id !== undefined && !positiveInt(id))
        return reply({ error: "sweepId: expected a positive integer" });
      return reply(loadSnapshot(store, id));
    }
    if (subject === DASH_SUBJECTS.trial) {
      if (!positiveInt(body.trialId)) return reply({ error: "trialId: expected a positive integer" });
      return reply(loadTrialDetail(store, body.trialId) ?? null);
    }
    if (subject === DASH_SUBJECTS.action) {
      const a = parseDashAction(body);
      if (!a)
        return reply({ error: "expected {action: cancel, trialId} or {action: pause|resume, sweepId}" });
      return reply(applyAction(store, a));
    }
    return reply({ error: `unknown subject ${subject}` });
  } catch (error) {
    return reply({ error: (error as Error).message });
  }
}

/**
 * Connects to NATS and returns a source. The `nats` client is loaded at run time so that the
 * SQLite path does not need it.
 */
export async function connectNatsSource(
  url: string,
  options: NatsSourceOptions & { connect?: (url: string) => Promise<Requester> } = {},
): Promise<NatsSource> {
  const connect = options.connect ?? defaultConnect;
  return new NatsSource(await connect(url), options);
}

async function defaultConnect(url: string): Promise<Requester> {
  // Loaded here so that the SQLite path never loads the NATS client.
  const { connect } = await import("nats");
  try {
    return await connect({ servers: url, name: "mtl-dash" });
  } catch (error) {
    throw new DashRequestError(`cannot connect to NATS at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
