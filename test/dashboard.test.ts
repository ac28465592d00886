import { join } from "node:path";
import { Store } from "@mtl/store";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mtl, mtlShellLine, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";
import { type NatsServer, startNatsServer } from "./helpers/nats.ts";
import { hasTmux, Tmux } from "./helpers/tmux.ts";

/** A shell line running the real CLI in a tmux window; prints its exit code when it ends. */

if (!hasTmux()) throw new Error("tmux is not installed: run scripts/install-system-deps.sh");

const tmp = tempDir("mtl-dash-e2e-");
afterAll(() => tmp.cleanup());
let tmux: Tmux;
afterEach(() => tmux?.kill());

describe("mtl dash on a finished sweep, in tmux", () => {
  const db = join(tmp.dir, "done.db");

  beforeAll(async () => {
    const file = writeExperiment(tmp.dir, "dashdone", tinyExperiment("dashdone", { baselines: true }));
    const run = await mtl(["run", file, "--db", db, "--workers", "2"]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
  });

  it("browses trials, a trial's charts, workers, events and the comparison with the keys", async () => {
    tmux = new Tmux();
    tmux.start("dash", mtlShellLine(["dash", "--db", db]), { width: 100, height: 30 });
    // The first frame shows what is known; the comparison (Δm%, ranks) fills in after it.
    let s = await tmux.waitFor("dash", /sweep 1 dashdone completed[\s\S]*Δm%\s+rank/);
    expect(s).toMatch(/6\/6 100%/);
    expect(s).toMatch(/completed 6/);
    // No task weights in this sweep: no λ column; the objective and the time each trial took.
    expect(s).toMatch(
      /#\s+state\s+strategy\s+seed\s+params\s+task1 acc\s+task2 acc\s+objective\s+Δm%\s+rank\s+epoch\s+time/,
    );
    expect(s.match(/^\s+\d completed (equal|fixed|single-task)/gm)).toHaveLength(6);
    expect(s).toMatch(/q quit/);
    expect(s.split("\n")[0]).toMatch(/^MTL Lab/); // drawn from the top row, nothing shifted

    tmux.keys("dash", ["Down", "Enter"]);
    // The detail view's own header (the trials list's footer also names the selected trial's attempt).
    s = await tmux.waitFor("dash", /trial 1 · equal · seed 1/);
    expect(s).toMatch(/attempt 1\/3/);
    expect(s).toMatch(/task1 accuracy ━ train ━ val/);
    expect(s).toMatch(/λ weights ━ task1 ━ task2/);
    expect(s).toMatch(/[\u2801-\u28ff]{3}/); // braille curves
    expect(s).toMatch(/#1 local-\d/);

    tmux.keys("dash", ["Escape"]);
    await tmux.waitFor("dash", /strategy\s+seed/);

    tmux.keys("dash", ["s"]);
    await tmux.waitFor("dash", /sort state/);
    tmux.keys("dash", ["/"]);
    tmux.keys("dash", ["fixed"], { literal: true });
    tmux.keys("dash", ["Enter"]);
    s = await tmux.waitFor("dash", /filter "fixed" · 2\/6/);
    expect(s).not.toMatch(/single-task/);

    tmux.keys("dash", ["Tab"]);
    s = await tmux.waitFor("dash", /heartbeat/);
    expect(s).toMatch(/local-1 .* wasm|local-1 .* cpu/);
    tmux.keys("dash", ["Tab"]);
    s = await tmux.waitFor("dash", /worker\.joined/);
    tmux.keys("dash", ["Tab"]);
    s = await tmux.waitFor("dash", /rank configuration/);
    expect(s).toMatch(/single-task/);
    expect(s).toMatch(/Δm%/);

    tmux.keys("dash", ["q"]);
    s = await tmux.waitFor("dash", /\[exited 0\]/);
    expect(s).not.toMatch(/MTL Lab/); // the alternate screen is gone
  });

  it("fits an 80×24 terminal", async () => {
    tmux = new Tmux();
    tmux.start("small", mtlShellLine(["dash", "--db", db]), { width: 80, height: 24 });
    const s = await tmux.waitFor("small", /dashdone completed[\s\S]*q quit/);
    const lines = s.split("\n");
    expect(lines[0]).toMatch(/^MTL Lab · sweep 1 dashdone completed/);
    expect(lines.findIndex((l) => /q quit/.test(l))).toBe(22);
    expect(s).toMatch(/task1 acc\s+task2 acc\s+objective\s+Δm%/);
    // A finished sweep says so on the status line.
    expect(s).toMatch(/sweep 1 completed .* ago/);
    tmux.keys("small", ["q"]);
    await tmux.waitFor("small", /\[exited 0\]/);
  });

  it("refuses a missing database with exit code 2", async () => {
    tmux = new Tmux();
    tmux.start("missing", mtlShellLine(["dash", "--db", join(tmp.dir, "nope.db")]));
    const s = await tmux.waitFor("missing", /\[exited 2\]/);
    expect(s).toMatch(/cannot open results database/);
  });
});

describe("a live sweep: mtl run's inline view and mtl dash side by side", () => {
  const db = join(tmp.dir, "live.db");

  it("pauses and resumes the sweep, cancels a trial, and q stops the run for a later resume", async () => {
    // Slow enough to act on while it runs (the run is stopped with q long before it ends): one
    // worker, long trials, and four trials dispatched at once so that some wait in the queue.
    const file = writeExperiment(
      tmp.dir,
      "dashlive",
      tinyExperiment("dashlive", {
        seeds: [0, 1, 2, 3, 4, 5],
        training: { epochs: 400, batchSize: 8, learningRate: 0.01 },
        sweep: { parallelism: 4 },
      }),
    );
    tmux = new Tmux();
    tmux.start("run", mtlShellLine(["run", file, "--db", db, "--workers", "1"]), { width: 100, height: 30 });
    let run = await tmux.waitFor("run", /MTL Lab · sweep 1 dashlive running/, 60_000);
    expect(run).toMatch(/^sweep 1 · dashlive · 1 local worker/m);
    await tmux.waitFor("run", /running 1/, 60_000);

    tmux.start("dash", mtlShellLine(["dash", "--db", db]), { width: 100, height: 30 });
    await tmux.waitFor("dash", /sweep 1 dashlive running/);

    tmux.keys("dash", ["p"]);
    await tmux.waitFor("dash", /sweep 1 paused/);
    expect(new Store(db, { readonly: true }).getSweep(1)?.status).toBe("paused");
    run = await tmux.waitFor("run", /dashlive paused/); // the run's own view reads the same store
    tmux.keys("dash", ["p"]);
    await tmux.waitFor("dash", /sweep 1 resumed/);

    // Cancel the last queued trial: filter to queued ones, go to the end, c, confirm.
    tmux.keys("dash", ["/"]);
    tmux.keys("dash", ["state:queued"], { literal: true });
    tmux.keys("dash", ["Enter", "End", "c"]);
    const ask = await tmux.waitFor("dash", /Cancel trial (\d+)\?/);
    const number = Number(/Cancel trial (\d+)\?/.exec(ask)![1]);
    tmux.keys("dash", ["y"]);
    await tmux.waitFor("dash", new RegExp(`trial ${number} cancelled`));
    tmux.keys("dash", ["q"]);
    await tmux.waitFor("dash", /\[exited 0\]/);

    // q in the run's view stops the run as Ctrl-C does.
    tmux.keys("run", ["q"]);
    run = await tmux.waitFor("run", /\[exited 130\]/, 60_000);
    expect(run).toMatch(/interrupted: \d+ trials completed; \d+ unfinished will resume/);

    const store = new Store(db, { readonly: true });
    try {
      const trials = store.trialsOf(1);
      expect(trials.find((t) => t.number === number)?.state).toBe("cancelled");
      expect(trials.some((t) => t.state === "queued")).toBe(true);
      expect(trials.some((t) => t.state === "running")).toBe(false);
      expect(store.eventsSince(0, 1).map((e) => e.kind)).toEqual(
        expect.arrayContaining(["sweep.paused", "sweep.resumed", "trial.cancelled"]),
      );
    } finally {
      store.close();
    }
  });
});

describe("mtl dash --nats, asking a live coordinator", () => {
  let nats: NatsServer | undefined;
  afterAll(async () => nats?.stop());

  it("shows the coordinator's sweep, its trials and the workers", async () => {
    nats = await startNatsServer();
    const db = join(tmp.dir, "nats.db");
    const file = writeExperiment(
      tmp.dir,
      "dashnats",
      tinyExperiment("dashnats", { training: { epochs: 400, batchSize: 8, learningRate: 0.01 } }),
    );
    tmux = new Tmux();
    tmux.start("worker", mtlShellLine(["worker", "--nats", nats.url, "--name", "w1"]), {
      width: 100,
      height: 10,
    });
    tmux.start("run", mtlShellLine(["run", file, "--nats", nats.url, "--db", db]), {
      width: 100,
      height: 10,
    });
    tmux.start("dash", mtlShellLine(["dash", "--nats", nats.url]), { width: 100, height: 30 });
    // The dashboard has no database: everything it shows came over NATS from the coordinator.
    let s = await tmux.waitFor("dash", /sweep 1 dashnats running/, 60_000);
    s = await tmux.waitFor("dash", /running 1/, 60_000);
    expect(s).toMatch(/\d running\s+(equal|fixed)/);
    tmux.keys("dash", ["Tab"]);
    s = await tmux.waitFor("dash", /w1\s+\S+\s+cpu\s+wasm/);
    expect(s).toMatch(/worker\s+host\s+pool\s+backend/);
    tmux.keys("dash", ["q"]);
    await tmux.waitFor("dash", /\[exited 0\]/);
  });
});
