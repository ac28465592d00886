/**
 * The bus without the NATS client: messages, the dashboard protocol and views, checkpoint stores
 * on disk, the in-process bus, namespace names. What reads a results file in this process
 * imports this (`@mtl/bus/core`) and so loads no NATS code; index.ts adds the NATS transport.
 */
export type { CoordinatorBus, Delivery, EventContext, Exhausted, Rejected, WorkerBus } from "./bus.ts";
export { DeferredEvent } from "./bus.ts";
export { checkpointFolderOf, FolderCheckpointStore } from "./checkpoints/folder.ts";
export {
  byRecency,
  type CheckpointEntry,
  type CheckpointKey,
  type CheckpointStore,
  checkpointName,
  InvalidCheckpointKey,
  KEPT_KINDS,
  type KeptKind,
  type KeptModelEntry,
  type KeptModelKey,
  keptModelName,
  parseCheckpointName,
  parseKeptModelName,
} from "./checkpoints/store.ts";
export {
  type ActionResult,
  type AnswerOptions,
  answerDashboard,
  DASH_SUBJECTS,
  DashAction,
  DashboardClient,
  type DashboardService,
  DashRequestError,
  MAX_PAGE,
  MAX_POINTS,
  type Requester,
  type SnapshotQuery,
  SnapshotRequest,
  TrialRequest,
  TrialsQuery,
} from "./dashboard/protocol.ts";
export {
  type AttemptInfo,
  type Counts,
  type EventInfo,
  type KeptInfo,
  RUNNING_LIMIT,
  type Series,
  type Snapshot,
  type SortKey,
  type StrategyRow,
  type StrategyTable,
  type SweepInfo,
  type TaskInfo,
  type TrialDetail,
  type TrialInfo,
  type TrialPage,
  type WorkerInfo,
} from "./dashboard/views.ts";
export { InProcessBus, type InProcessBusOptions } from "./in-process.ts";
export {
  boundRejected,
  cutText,
  DASH_REQUEST_BYTES,
  DEFAULT_MAX_PAYLOAD,
  REJECTED_ERROR_BYTES,
  REJECTED_PAYLOAD_BYTES,
} from "./limits.ts";
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
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_NAMESPACE,
  InvalidNamespace,
  type Topology,
  type TopologyOptions,
  topologyOf,
} from "./namespace.ts";
export { describeQueue, POOLS, type Pool, type Queue, queueKey, queueOf } from "./queue.ts";
export { redactUrl, redactUrls } from "./redact.ts";
