/** The dashboard's data from a SQLite results file, read in this process. */
import { Store } from "@mtl/store";
import { applyAction } from "./actions.ts";
import { loadSnapshot, loadTrialDetail } from "./load-snapshot.ts";
import type { Snapshot, TrialDetail } from "./snapshot.ts";
import type { ActionResult, DashAction, DashboardSource } from "./source.ts";

export type SqliteSourceOptions =
  /** Opens the file read-only; the first action opens it again for writing. */
  | { path: string }
  /** Uses a store someone else owns (e.g. `mtl run`'s own), for reads and writes; never closes it. */
  | { store: Store };

export class SqliteSource implements DashboardSource {
  private readonly reader: Store;
  private writer: Store | undefined;
  private readonly owned: boolean;
  private readonly path: string | undefined;

  /** Throws when `path` does not exist or is not a results file. */
  constructor(options: SqliteSourceOptions) {
    if ("store" in options) {
      this.reader = options.store;
      this.writer = options.store;
      this.owned = false;
    } else {
      // Read-only so that watching a finished sweep never writes to its file.
      this.reader = new Store(options.path, { readonly: true });
      this.owned = true;
      this.path = options.path;
    }
  }

  async snapshot(sweepId?: number): Promise<Snapshot> {
    return loadSnapshot(this.reader, sweepId);
  }

  async trialDetail(trialId: number): Promise<TrialDetail | undefined> {
    return loadTrialDetail(this.reader, trialId);
  }

  private act(a: DashAction): ActionResult {
    try {
      this.writer ??= new Store(this.path!);
      return applyAction(this.writer, a);
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async cancel(trialId: number): Promise<ActionResult> {
    return this.act({ action: "cancel", trialId });
  }

  async pause(sweepId: number): Promise<ActionResult> {
    return this.act({ action: "pause", sweepId });
  }

  async resume(sweepId: number): Promise<ActionResult> {
    return this.act({ action: "resume", sweepId });
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    if (this.writer && this.writer !== this.reader) this.writer.close();
    this.reader.close();
  }
}
