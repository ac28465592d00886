/** Where the dashboard gets its data and sends its actions: a SQLite file or a coordinator over NATS. */
import type { ActionResult, Snapshot, SnapshotRequest, TrialDetail } from "@mtl/bus";

export interface DashboardSource {
  /**
   * A snapshot of one sweep (default: the latest), of the sweeps and workers, with the page of
   * trials asked for (default: the first 100 by number).
   */
  snapshot(request?: SnapshotRequest): Promise<Snapshot>;
  /** Curves (at most `maxPoints` per series), weights, attempts and events of one trial (undefined when there is none). */
  trialDetail(trialId: number, maxPoints?: number): Promise<TrialDetail | undefined>;
  cancel(trialId: number): Promise<ActionResult>;
  pause(sweepId: number): Promise<ActionResult>;
  resume(sweepId: number): Promise<ActionResult>;
  /**
   * The dashboard drew its first frame with this source's data. A source that works in the
   * dashboard's own process waits for it before heavy work (the comparison). */
  shown?(): void;
  /** Releases the connection (a no-op for a store owned by someone else). */
  close(): Promise<void>;
}
