export type { CoordinatorBus, Delivery, EventContext, Exhausted, Rejected, WorkerBus } from "./bus.ts";
export { DeferredEvent } from "./bus.ts";
export {
  type ActionResult,
  answerDashboard,
  DASH_SUBJECTS,
  DashAction,
  DashboardClient,
  type DashboardService,
  DashRequestError,
  type Requester,
  SnapshotRequest,
  TrialRequest,
} from "./dashboard/protocol.ts";
export type {
  AttemptInfo,
  Counts,
  EventInfo,
  Series,
  Snapshot,
  StrategyRow,
  StrategyTable,
  SweepInfo,
  TaskInfo,
  TrialDetail,
  TrialInfo,
  WorkerInfo,
} from "./dashboard/views.ts";
export { InProcessBus, type InProcessBusOptions } from "./in-process.ts";
export {
  ControlMessage,
  decode,
  EventIdentity,
  ExhaustedMessage,
  encodeMessage,
  eventId,
  Heartbeat,
  InvalidMessage,
  MetricValue,
  RejectedMessage,
  SweepGate,
  TrialEvent,
  TrialMessage,
  WithheldMessage,
} from "./messages.ts";
export { connectNats, NatsConnectError, type NatsConnectOptions } from "./nats/connect.ts";
export {
  type NatsBusOptions,
  NatsCoordinatorBus,
  type NatsCoordinatorOptions,
} from "./nats/coordinator-bus.ts";
export { connectDashboardClient } from "./nats/dashboard-client.ts";
export { LOCK_TTL_MS, NamespaceHeld } from "./nats/lock.ts";
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_NAMESPACE,
  InvalidNamespace,
  POOLS,
  type Pool,
  type Topology,
  type TopologyOptions,
  topologyOf,
} from "./nats/topology.ts";
export { NatsWorkerBus } from "./nats/worker-bus.ts";
