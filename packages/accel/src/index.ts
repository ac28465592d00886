export type { DenseActivation } from "./dense.ts";
export type { HostKernel } from "./host-kernel.ts";
export { type Accel, accelDisabledByEnv, install, whyNoAccel } from "./install.ts";
export type { OptimizerRule } from "./optimizer.ts";
