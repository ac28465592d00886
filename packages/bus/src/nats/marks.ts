/**
 * What a worker's bus looks at before it hands a delivery over, kept in two KV buckets of the
 * namespace: each sweep's gate (paused or running; no expiry), and what is settled for good
 * (finished trials, and trial messages acknowledged by a run that reported its end). An
 * acknowledgement nats-server loses in a crash brings the message back; its mark makes it go
 * away again instead of being trained twice. Settled marks expire after a day: by then a lost
 * acknowledgement has long come back.
 */
import type { JetStreamClient, KV } from "nats";
import { decode, SweepGate } from "../messages.ts";
import type { Topology } from "../namespace.ts";
import { encode } from "./codec.ts";

export const SETTLED_TTL_MS = 24 * 3600 * 1000;

const finishedKey = (uid: string, trialId: number) => `finished.${uid}.${trialId}`;
const ackedKey = (seq: number) => `acked.${seq}`;

/** What a delivery's marks say; a mark that cannot be read counts as absent (work goes on). */
export interface DeliveryMarks {
  /** The trial is finished (the coordinator committed its final state). */
  finished: boolean;
  /** This very message was acknowledged before (the acknowledgement was lost). */
  acked: boolean;
  /** Its sweep is paused. */
  paused: boolean;
}

export class Marks {
  private constructor(
    private readonly gates: KV,
    private readonly settled: KV,
    private readonly log: (line: string) => void,
  ) {}

  static async open(
    js: JetStreamClient,
    t: Topology,
    log: (line: string) => void = () => {},
  ): Promise<Marks> {
    const gates = await js.views.kv(t.buckets.gates, { history: 1 });
    const settled = await js.views.kv(t.buckets.settled, { history: 1, ttl: SETTLED_TTL_MS });
    return new Marks(gates, settled, log);
  }

  async setGate(uid: string, gate: SweepGate): Promise<void> {
    await this.gates.put(uid, encode(gate));
  }

  async markFinished(uid: string, trialId: number): Promise<void> {
    await this.settled.put(finishedKey(uid, trialId), encode(true));
  }

  async markAcked(seq: number): Promise<void> {
    await this.settled.put(ackedKey(seq), encode(true));
  }

  /** Reads a delivery's three marks at once. */
  async of(m: { sweep: string; trialId: number }, seq: number): Promise<DeliveryMarks> {
    const present = (kv: KV, key: string) =>
      kv.get(key).then(
        (e) => e,
        (error) => {
          this.log(`mark ${key}: ${(error as Error).message}`);
          return null;
        },
      );
    const [finished, acked, gate] = await Promise.all([
      present(this.settled, finishedKey(m.sweep, m.trialId)),
      present(this.settled, ackedKey(seq)),
      present(this.gates, m.sweep),
    ]);
    const g = gate?.operation === "PUT" ? decode(SweepGate, gate.value) : undefined;
    return {
      finished: finished?.operation === "PUT",
      acked: acked?.operation === "PUT",
      paused: g?.ok === true && g.value.status === "paused",
    };
  }
}
