export * from "./local.ts";
export * from "./remote.ts";
export { Dashboard, type DashboardProps } from "./ui/Dashboard.tsx";
