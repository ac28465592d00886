/** Where the dashboard gets its data and sends its actions: a SQLite file or a coordinator over NATS. */
import type { ActionResult, Snapshot, TrialDetail } from "@mtl/bus";

export interface DashboardSource {
  /** A snapshot of one sweep (default: the latest) and of the sweeps and workers. */
  snapshot(sweepId?: number): Promise<Snapshot>;
  /** Curves, weights, attempts and events of one trial (undefined when there is no such trial). */
  trialDetail(trialId: number): Promise<TrialDetail | undefined>;
  cancel(trialId: number): Promise<ActionResult>;
  pause(sweepId: number): Promise<ActionResult>;
  resume(sweepId: number): Promise<ActionResult>;
  /** Releases the connection (a no-op for a store owned by someone else). */
  close(): Promise<void>;
}
