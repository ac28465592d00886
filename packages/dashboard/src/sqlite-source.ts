/** The dashboard's data from a SQLite results file, read in this process by the coordinator's own service. */
import {
  type ActionResult,
  type CheckpointStore,
  checkpointFolderOf,
  type DashAction,
  type DashboardService,
  FolderCheckpointStore,
  type Snapshot,
  SnapshotRequest,
  type TrialDetail,
  TrialRequest,
} from "@mtl/bus/core";
import { createDashboardService } from "@mtl/coordinator/dashboard-service";
import { Store } from "@mtl/store";
import type { DashboardSource } from "./source.ts";

export type SqliteSourceOptions =
  /** Opens the file read-only; the first action opens it again for writing. */
  (
    | { path: string }
    /** Uses a store someone else owns (e.g. `mtl run`'s own), for reads and writes; never closes it. */
    | { store: Store }
  ) & {
    /** Called with a sweep's id each time its comparison has been computed (tests observe the order of things). */
    onAnalyzed?: (sweepId: number) => void;
    /** Where the trials' models are kept. @default the folder beside the results file, given `path` */
    models?: CheckpointStore;
    /**
     * A dashboard in this process draws from this source and says when its first frame is out
     * (`shown`): the comparison, computed on this same thread, waits for it (or for a second
     * request). @default false: it starts shortly after the first reply
     */
    drawsHere?: boolean;
  };

export class SqliteSource implements DashboardSource {
  /** Opens the gate (declared first: the gate's initializer sets it). */
  private open!: () => void;
  /** Open once the first frame is out (`shown`) or a second request came. */
  private readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  private readonly reader: Store;
  private writer: Store | undefined;
  private readonly owned: boolean;
  private readonly service: DashboardService;
  private snapshots = 0;
  /** The file's damage, found by the check run after the first frame (`drawsHere` on a path). */
  private damaged: Error | undefined;
  private closed = false;

  /** Throws when `path` does not exist or is not a results file. */
  constructor(options: SqliteSourceOptions) {
    if ("store" in options) {
      this.reader = options.store;
      this.writer = options.store;
      this.owned = false;
    } else {
      // Read-only so that watching a finished sweep never writes to its file. Drawn here, the
      // file's whole check waits for the first frame (it reads every page) and then runs once:
      // a damaged file fails every later request, and a write opens it again, checked first.
      const later = options.drawsHere ?? false;
      this.reader = new Store(options.path, { readonly: true, checkLater: later });
      this.owned = true;
      if (later) this.gate.then(() => setImmediate(() => this.checkFile()));
    }
    const path = "path" in options ? options.path : undefined;
    const models = options.models ?? (path ? new FolderCheckpointStore(checkpointFolderOf(path)) : undefined);
    // The comparison runs on this thread: under a dashboard drawing here, it waits until the
    // first frame is out (or the second request, should the frame never say so).
    const analysisGate = options.drawsHere ? this.gate : undefined;
    this.service = createDashboardService(this.reader, {
      ...(analysisGate ? { analysisGate } : {}),
      ...(options.onAnalyzed ? { onAnalyzed: options.onAnalyzed } : {}),
      ...(models ? { models } : {}),
      writer: () => {
        this.writer ??= new Store(path!);
        return this.writer;
      },
    });
  }

  // Requests are checked as a coordinator checks them off the wire, so both sources agree.
  async snapshot(request: SnapshotRequest = {}): Promise<Snapshot> {
    if (++this.snapshots > 1) this.open();
    if (this.damaged) throw this.damaged;
    return this.service.snapshot(SnapshotRequest.parse(request));
  }

  shown(): void {
    this.open();
  }

  private checkFile(): void {
    if (this.closed) return;
    try {
      this.reader.checkFile();
    } catch (error) {
      this.damaged = error as Error;
    }
  }

  async trialDetail(trialId: number, maxPoints?: number): Promise<TrialDetail | undefined> {
    if (this.damaged) throw this.damaged;
    const request = TrialRequest.parse(maxPoints === undefined ? { trialId } : { trialId, maxPoints });
    return (await this.service.trial(request)) ?? undefined;
  }

  private async act(a: DashAction): Promise<ActionResult> {
    try {
      return await this.service.action(a);
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

  async close(): Promise<void> {
    this.closed = true;
    if (!this.owned) return;
    if (this.writer && this.writer !== this.reader) this.writer.close();
    this.reader.close();
  }
}
