import { DASH_SUBJECTS, DashboardClient } from "../dashboard/protocol.ts";
import { topologyOf } from "../namespace.ts";
import { connectNats, type NatsConnectOptions } from "./connect.ts";

/** The protocol's subjects ("mtl.dash.*") before the namespace replaces their first token. */
const DASH_BASE = DASH_SUBJECTS.all.slice(0, -2);

/**
 * A dashboard client over NATS, connected with the same options (credentials, token, creds file,
 * TLS) as coordinators and workers, asking the coordinator of `namespace` (default "mtl").
 */
export async function connectDashboardClient(
  options: NatsConnectOptions & { timeoutMs?: number; namespace?: string },
): Promise<DashboardClient> {
  const base = topologyOf(options.namespace).subjects.dash;
  const nc = await connectNats({ name: "mtl-dash", ...options });
  return new DashboardClient(
    {
      request: (subject, data, opts) => nc.request(base + subject.slice(DASH_BASE.length), data, opts),
      close: () => nc.close(),
    },
    options.timeoutMs,
  );
}
