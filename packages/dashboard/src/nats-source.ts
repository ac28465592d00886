/** The dashboard's data from a coordinator, over the bus package's dashboard protocol. */
import {
  type ActionResult,
  connectDashboardClient,
  type DashAction,
  type DashboardClient,
  type NatsConnectOptions,
  type Snapshot,
  type SnapshotRequest,
  type TrialDetail,
} from "@mtl/bus";
import type { DashboardSource } from "./source.ts";

export class NatsSource implements DashboardSource {
  constructor(private readonly client: DashboardClient) {}

  snapshot(request: SnapshotRequest = {}): Promise<Snapshot> {
    return this.client.snapshot(request);
  }

  async trialDetail(trialId: number, maxPoints?: number): Promise<TrialDetail | undefined> {
    return (
      (await this.client.trial(maxPoints === undefined ? { trialId } : { trialId, maxPoints })) ?? undefined
    );
  }

  private async act(a: DashAction): Promise<ActionResult> {
    try {
      return await this.client.action(a);
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
    return this.client.close();
  }
}

/** Connects to a coordinator's NATS server (with credentials and TLS as every other command). */
export async function connectNatsSource(
  options: NatsConnectOptions & { timeoutMs?: number },
): Promise<NatsSource> {
  return new NatsSource(await connectDashboardClient(options));
}
