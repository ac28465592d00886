import { defineConfig } from "vitest/config";

// End-to-end tests start real processes (the CLI, nats-server, tmux): give them time, and run
// files one at a time so that two suites do not fight over the machine's two cores.
export default defineConfig({
  test: {
    testTimeout: 240_000,
    // A beforeAll may run whole sweeps (agreement, report-browser) on a busy machine.
    hookTimeout: 300_000,
    fileParallelism: false,
    globalSetup: ["./global-setup.ts"],
  },
});
