export * from "./core.ts";
export { serveDashboardOn } from "./dashboard/serve.ts";
export { NatsCheckpointStore } from "./nats/checkpoints.ts";
export { connectNats, NatsConnectError, type NatsConnectOptions } from "./nats/connect.ts";
export {
  type NatsBusOptions,
  NatsCoordinatorBus,
  type NatsCoordinatorOptions,
} from "./nats/coordinator-bus.ts";
export { connectDashboardClient } from "./nats/dashboard-client.ts";
export { LOCK_TTL_MS, NamespaceHeld } from "./nats/lock.ts";
export { NatsWorkerBus } from "./nats/worker-bus.ts";
