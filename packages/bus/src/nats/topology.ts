/**
 * The JetStream layout shared by coordinators and workers: one work-queue stream of trials with a
 * subject and a durable pull consumer per pool, a persisted stream of events with one durable
 * consumer (the coordinator), and a stream that keeps max-deliveries advisories as dead letters.
 */
import { AckPolicy, type JetStreamManager, RetentionPolicy, type StreamConfig } from "nats";

export type Pool = "cpu" | "gpu";
export const POOLS: readonly Pool[] = ["cpu", "gpu"];

export const STREAMS = { trials: "MTL_TRIALS", events: "MTL_EVENTS", dead: "MTL_DEAD" } as const;

export const SUBJECTS = {
  trials: (pool: Pool) => `mtl.trials.${pool}`,
  allTrials: "mtl.trials.>",
  event: "mtl.events.trial",
  rejected: "mtl.events.rejected",
  allEvents: "mtl.events.>",
  /** Core NATS: cancel and prune, to every worker. */
  control: "mtl.control",
  /** Core NATS: worker heartbeats. */
  heartbeat: "mtl.workers.heartbeat",
  /** Core NATS: a coordinator that starts asks every worker for a heartbeat now. */
  ping: "mtl.workers.ping",
  maxDeliveries: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${"MTL_TRIALS"}.*`,
} as const;

export const CONSUMERS = {
  trials: (pool: Pool) => `trials-${pool}`,
  events: "coordinator",
  dead: "coordinator-dead",
} as const;

export interface TopologyOptions {
  /** How long a worker holds a trial without renewing its lease. @default 30000 */
  ackWaitMs?: number;
  /** Deliveries of one trial before it becomes a dead letter. @default 10 */
  maxDeliver?: number;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_MAX_DELIVER = 10;
/** Events are handled in milliseconds: a coordinator holding one for this long has died. */
export const EVENTS_ACK_WAIT_MS = 10_000;

const ns = (ms: number) => ms * 1_000_000;

const streams: Partial<StreamConfig>[] = [
  { name: STREAMS.trials, subjects: [SUBJECTS.allTrials], retention: RetentionPolicy.Workqueue },
  { name: STREAMS.events, subjects: [SUBJECTS.allEvents], retention: RetentionPolicy.Workqueue },
  { name: STREAMS.dead, subjects: [SUBJECTS.maxDeliveries], retention: RetentionPolicy.Workqueue },
];

const isNotFound = (e: unknown) => /not found/i.test((e as Error).message ?? "");

/**
 * Creates what is missing. With `authoritative` (the coordinator) it also brings the trial
 * consumers' ack-wait and max-deliveries in line with `options`; a worker only fills gaps, so
 * whichever process starts first can take work.
 */
export async function ensureTopology(
  jsm: JetStreamManager,
  options: TopologyOptions,
  authoritative: boolean,
): Promise<{ ackWaitMs: number; maxDeliver: number }> {
  const ackWait = ns(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
  const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
  for (const config of streams) {
    try {
      await jsm.streams.info(config.name!);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config).catch(async (e) => {
        // Another process created it in between.
        await jsm.streams.info(config.name!).catch(() => Promise.reject(e));
      });
    }
  }
  const durable = async (stream: string, name: string, config: Record<string, unknown>) => {
    const full = { durable_name: name, ack_policy: AckPolicy.Explicit, ...config };
    try {
      const info = await jsm.consumers.info(stream, name);
      const stale = Object.entries(config).some(
        ([k, v]) => (info.config as unknown as Record<string, unknown>)[k] !== v,
      );
      if (authoritative && stale) return (await jsm.consumers.update(stream, name, config)).config;
      return info.config;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return (await jsm.consumers.add(stream, full).catch(() => jsm.consumers.info(stream, name))).config;
    }
  };
  let effective = { ackWaitMs: ackWait / 1e6, maxDeliver };
  for (const pool of POOLS) {
    const c = await durable(STREAMS.trials, CONSUMERS.trials(pool), {
      filter_subject: SUBJECTS.trials(pool),
      ack_wait: ackWait,
      max_deliver: maxDeliver,
    });
    if (pool === "cpu")
      effective = { ackWaitMs: (c.ack_wait ?? ackWait) / 1e6, maxDeliver: c.max_deliver ?? maxDeliver };
  }
  // Events are never given up on: an event that cannot be written now is written later. A short
  // ack-wait, because the events a killed coordinator had fetched wait that long to come back.
  await durable(STREAMS.events, CONSUMERS.events, { ack_wait: ns(EVENTS_ACK_WAIT_MS), max_deliver: -1 });
  await durable(STREAMS.dead, CONSUMERS.dead, { ack_wait: ns(30_000), max_deliver: -1 });
  return effective;
}
