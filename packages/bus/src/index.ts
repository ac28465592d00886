export type { CoordinatorBus, Delivery, Rejected, WorkerBus } from "./bus.ts";
export { InProcessBus } from "./in-process.ts";
export { ControlMessage, decode, eventId, Heartbeat, TrialEvent, TrialMessage } from "./messages.ts";
