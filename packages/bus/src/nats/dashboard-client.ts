import { DashboardClient } from "../dashboard/protocol.ts";
import { connectNats, type NatsConnectOptions } from "./connect.ts";

/**
 * A dashboard client over NATS, connected with the same options (credentials, token, creds file,
 * TLS) as coordinators and workers.
 */
export async function connectDashboardClient(
  options: NatsConnectOptions & { timeoutMs?: number },
): Promise<DashboardClient> {
  const nc = await connectNats({ name: "mtl-dash", ...options });
  return new DashboardClient(nc, options.timeoutMs);
}
