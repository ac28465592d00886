import { defineConfig } from "vitest/config";

// Tests here train real models: seconds each on a quiet machine, many more on a shared, busy one.
// A time limit is a guard against a hang, never an assertion about speed.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
