export { connectNatsSource, NatsSource } from "./nats-source.ts";
export { type DashboardHandle, type RenderDashboardOptions, renderDashboard } from "./render.tsx";
export type { DashboardSource } from "./source.ts";
export { SqliteSource, type SqliteSourceOptions } from "./sqlite-source.ts";
export { Dashboard, type DashboardProps } from "./ui/Dashboard.tsx";
