/**
 * The dashboard over a results file in this process (`mtl dash --db`, `mtl run`'s live view),
 * without the NATS client: a command that reads a file loads less before its first frame.
 */
export { type DashboardHandle, type RenderDashboardOptions, renderDashboard } from "./render.tsx";
export type { DashboardSource } from "./source.ts";
export { SqliteSource, type SqliteSourceOptions } from "./sqlite-source.ts";
