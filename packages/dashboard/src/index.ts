export { applyAction } from "./actions.ts";
export { loadSnapshot, loadTrialDetail } from "./load-snapshot.ts";
export {
  answerDashRequest,
  connectNatsSource,
  DASH_SUBJECTS,
  DashRequestError,
  NatsSource,
  type NatsSourceOptions,
  parseDashAction,
  type Requester,
} from "./nats-source.ts";
export { type DashboardHandle, type RenderDashboardOptions, renderDashboard } from "./render.tsx";
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
} from "./snapshot.ts";
export type { ActionResult, DashAction, DashboardSource } from "./source.ts";
export { SqliteSource, type SqliteSourceOptions } from "./sqlite-source.ts";
export { Dashboard, type DashboardProps } from "./ui/Dashboard.tsx";
