/**
 * The JetStream layout shared by coordinators and workers of one namespace: a work-queue stream of
 * trials with a subject and a durable pull consumer per queue (a pool, or a pool and program: see
 * queue.ts), a persisted stream of events with
 * one durable consumer (the coordinator), an object store of checkpoints, and three KV buckets (the coordinator's lock, each
 * sweep's gate, and what is settled for good: see marks.ts). Every name is prefixed by the namespace (default "mtl"), so that
 * several people share one server; consumer names need no prefix, as they live in their stream.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type JetStreamManager,
  RetentionPolicy,
  type StreamConfig,
} from "nats";
import { DEFAULT_ACK_WAIT_MS, type Topology, type TopologyOptions } from "../namespace.ts";
import { POOLS, type Queue } from "../queue.ts";

/** Events are handled in milliseconds: a coordinator holding one for this long has died. */
export const EVENTS_ACK_WAIT_MS = 10_000;

const ns = (ms: number) => ms * 1_000_000;

const isNotFound = (e: unknown) => /not found/i.test((e as Error).message ?? "");

/**
 * Creates what is missing. With `authoritative` (the coordinator, which holds the namespace's
 * lock) it also brings the trial consumers' ack-wait in line with `options`; a worker only fills
 * gaps, so whichever process starts first can take work. Deliveries are not limited by the
 * server: each trial message carries its own budget (`maxDeliveries`), which the workers' bus
 * enforces.
 */
export async function ensureTopology(
  jsm: JetStreamManager,
  t: Topology,
  options: TopologyOptions,
  authoritative: boolean,
): Promise<{ ackWaitMs: number }> {
  const ackWait = ns(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
  const streams: Partial<StreamConfig>[] = [
    { name: t.streams.trials, subjects: [t.subjects.allTrials], retention: RetentionPolicy.Workqueue },
    { name: t.streams.events, subjects: [t.subjects.allEvents], retention: RetentionPolicy.Workqueue },
  ];
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
  let ackWaitMs = ackWait / 1e6;
  for (const pool of POOLS) {
    const c = await ensureQueue(jsm, t, { pool }, ackWait / 1e6, authoritative);
    if (pool === "cpu") ackWaitMs = (c.ack_wait ?? ackWait) / 1e6;
  }
  // Events are never given up on: an event that cannot be written now is written later. A short
  // ack-wait, because the events a killed coordinator had fetched wait that long to come back.
  await durable(
    jsm,
    t.streams.events,
    t.consumers.events,
    { ack_wait: ns(EVENTS_ACK_WAIT_MS), max_deliver: -1 },
    authoritative,
  );
  return { ackWaitMs };
}

/**
 * The durable consumer of one queue, created when missing. A program's queue is made on demand:
 * by the coordinator when it first publishes to it, by a worker that registers the program.
 */
export function ensureQueue(
  jsm: JetStreamManager,
  t: Topology,
  queue: Queue,
  ackWaitMs: number,
  authoritative: boolean,
): Promise<ConsumerConfig> {
  return durable(
    jsm,
    t.streams.trials,
    t.consumers.trials(queue),
    { filter_subject: t.subjects.trials(queue), ack_wait: ns(ackWaitMs), max_deliver: -1 },
    authoritative,
  );
}

/** A durable pull consumer; `authoritative` brings an existing one's settings in line. */
async function durable(
  jsm: JetStreamManager,
  stream: string,
  name: string,
  config: Record<string, unknown>,
  authoritative: boolean,
): Promise<ConsumerConfig> {
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
}
