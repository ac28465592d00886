/**
 * The names of one namespace's JetStream layout (streams, subjects, consumers, buckets): every
 * name is prefixed by the namespace (default "mtl"), so that several people share one server.
 * Pure names, without the NATS client: nats/topology.ts creates what they name.
 */
import { type Queue, queueKey } from "./queue.ts";

export const DEFAULT_NAMESPACE = "mtl";

/** Lower-case letters, digits, `-` and `_`: valid in subjects, stream names and KV bucket names. */
const NAMESPACE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The namespace is not one NATS can use in every name. */
export class InvalidNamespace extends Error {
  constructor(namespace: string) {
    super(
      `--namespace: expected 1-32 lower-case letters, digits, '-' or '_' (starting with a letter or digit), got "${namespace}"`,
    );
    this.name = "InvalidNamespace";
  }
}

/** The names of one namespace's streams, subjects, consumers and buckets. */
export interface Topology {
  namespace: string;
  streams: { trials: string; events: string };
  subjects: {
    trials(queue: Queue): string;
    allTrials: string;
    event: string;
    rejected: string;
    exhausted: string;
    withheld: string;
    allEvents: string;
    /** Core NATS: cancel, prune and release, to every worker. */
    control: string;
    /** Core NATS: worker heartbeats. */
    heartbeat: string;
    /** Core NATS: a coordinator that starts asks every worker for a heartbeat now. */
    ping: string;
    /** Core NATS: the dashboard protocol's subjects start with this instead of "mtl.dash". */
    dash: string;
  };
  consumers: { trials(queue: Queue): string; events: string };
  buckets: {
    /** The coordinator's lock on the namespace (one key, with a TTL it refreshes). */
    lock: string;
    /** Per sweep uid: may its queued trials start (`SweepGate`). */
    gates: string;
    /** Finished trials and acknowledged trial messages (marks.ts). */
    settled: string;
    /** Object store: trials' checkpoints, named sweep/trial/attempt/epoch (../checkpoints). */
    checkpoints: string;
  };
}

export function topologyOf(namespace = DEFAULT_NAMESPACE): Topology {
  if (!NAMESPACE.test(namespace)) throw new InvalidNamespace(namespace);
  const up = namespace.toUpperCase();
  const ns = namespace;
  return {
    namespace,
    streams: { trials: `${up}_TRIALS`, events: `${up}_EVENTS` },
    subjects: {
      trials: (queue) => `${ns}.trials.${queueKey(queue)}`,
      allTrials: `${ns}.trials.>`,
      event: `${ns}.events.trial`,
      rejected: `${ns}.events.rejected`,
      exhausted: `${ns}.events.exhausted`,
      withheld: `${ns}.events.withheld`,
      allEvents: `${ns}.events.>`,
      control: `${ns}.control`,
      heartbeat: `${ns}.workers.heartbeat`,
      ping: `${ns}.workers.ping`,
      dash: `${ns}.dash`,
    },
    consumers: { trials: (queue) => `trials-${queueKey(queue)}`, events: "coordinator" },
    buckets: {
      lock: `${up}_coordinator`,
      gates: `${up}_gates`,
      settled: `${up}_settled`,
      checkpoints: `${up}_checkpoints`,
    },
  };
}

export interface TopologyOptions {
  /** Streams, subjects, consumers and buckets are prefixed by it. @default "mtl" */
  namespace?: string;
  /** How long a worker holds a trial without renewing its lease. @default 30000 */
  ackWaitMs?: number;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
