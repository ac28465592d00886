/**
 * Real programs (python3 with the shipped mtl_report.py helper) run through the executor: what
 * they report, how they fail, and how they are stopped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EpochReport } from "@mtl/spec";
import { afterAll, describe, expect, it } from "vitest";
import { type ProgramTrial, runProgram } from "./program-executor.ts";

const dir = mkdtempSync(join(tmpdir(), "mtl-program-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trial: ProgramTrial = {
  trial: 7,
  attempt: 1,
  seed: 3,
  strategy: "fixed",
  strategyOptions: {},
  params: { lr: 0.01 },
  weights: { a: 0.5, b: 1.5 },
  tasks: [
    { name: "a", kind: "classification", metric: "accuracy", direction: "max" },
    { name: "b", kind: "regression", metric: "mse", direction: "min" },
  ],
  epochs: 3,
  training: { epochs: 3 },
  settings: {},
  experiment: "t",
};

function script(name: string, body: string): string[] {
  const file = join(dir, `${name}.py`);
  writeFileSync(file, body);
  return ["python3", file];
}

function run(command: string[], options: { graceMs?: number } = {}) {
  const epochs: EpochReport[] = [];
  const handle = runProgram(trial, { command, graceMs: options.graceMs, onEpoch: (r) => epochs.push(r) });
  return { handle, epochs };
}

describe("runProgram", () => {
  it("counts epochs from 1 for a program that counts from 0, and reads the reason's last stderr line whole", async () => {
    const { handle, epochs } = run(
      script(
        "zero",
        `import sys, mtl_report as mtl
for e in range(3):
    mtl.report(e, {"a": {"val": {"accuracy": 0.5 + e / 10}}})
sys.stderr.write("half of a ")
sys.stderr.flush()
sys.stderr.write("reason\\n")
sys.exit(2)
`,
      ),
    );
    const outcome = await handle.outcome;
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(outcome.epochs).toBe(3);
    expect(outcome.error).toBe("exited with code 2: half of a reason");
  });

  it("gives the program its trial and reads its epochs; the last epoch is the result", async () => {
    const { handle, epochs } = run(
      script(
        "ok",
        `import mtl_report as mtl
t = mtl.trial()
for e in range(1, t["epochs"] + 1):
    print("log line", e)
    mtl.report(e, {"a": {"train": {"loss": 1.0 / e}, "val": {"accuracy": t["weights"]["a"] + e}},
                   "b": {"val": {"mse": float("nan")}}}, weights=t["weights"])
`,
      ),
    );
    const outcome = await handle.outcome;
    expect(outcome.status).toBe("completed");
    expect(outcome.epochs).toBe(3);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(epochs[0]!.weights).toEqual({ a: 0.5, b: 1.5 });
    expect(outcome.final?.a?.val?.accuracy).toBe(3.5);
    // A diverged validation metric is data, not a failure.
    expect(outcome.final?.b?.val?.mse).toBeNaN();
  });

  it("takes the final metrics the program names", async () => {
    const { handle } = run(
      script(
        "final",
        `import mtl_report as mtl
mtl.report(1, {"a": {"val": {"accuracy": 0.1}}})
mtl.final({"a": {"test": {"accuracy": 0.9}}})
`,
      ),
    );
    expect((await handle.outcome).final).toEqual({ a: { test: { accuracy: 0.9 } } });
  });

  it("fails a trial whose program exits non-zero, with its last stderr lines", async () => {
    const { handle } = run(
      script("crash", `import sys\nprint("bad config: lr", file=sys.stderr)\nsys.exit(3)\n`),
    );
    const outcome = await handle.outcome;
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/exited with code 3: bad config: lr/);
  });

  it("fails a trial whose training loss is not finite, and stops the program", async () => {
    const marker = join(dir, "nan-continued");
    const { handle } = run(
      script(
        "nan",
        `import mtl_report as mtl, time
mtl.report(1, {"a": {"train": {"loss": float("nan")}}})
time.sleep(30)
open(${JSON.stringify(marker)}, "w").write("still running")
`,
      ),
    );
    const outcome = await handle.outcome;
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/non-finite training loss in task a at epoch 1/);
    expect(() => readFileSync(marker)).toThrow();
  });

  it("fails on a malformed report line instead of guessing", async () => {
    const { handle } = run(script("garbled", `print('@mtl {"epoch": "one"}')\n`));
    const outcome = await handle.outcome;
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(/@mtl line: epoch/);
  });

  it("fails a program that reports nothing", async () => {
    const { handle } = run(script("silent", `print("trained, but said nothing")\n`));
    expect(await handle.outcome).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/no metrics/),
    });
  });

  it("sends SIGTERM on prune, giving the program its grace period to save", async () => {
    const saved = join(dir, "saved");
    const { handle, epochs } = run(
      script(
        "graceful",
        `import mtl_report as mtl, signal, sys, time
def bye(*_):
    open(${JSON.stringify(saved)}, "w").write("saved")
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
mtl.report(1, {"a": {"val": {"accuracy": 0.5}}})
time.sleep(60)
`,
      ),
    );
    while (epochs.length === 0) await new Promise((r) => setTimeout(r, 20));
    handle.stop("pruned");
    const outcome = await handle.outcome;
    expect(outcome).toMatchObject({ status: "pruned", epochs: 1 });
    expect(readFileSync(saved, "utf8")).toBe("saved");
  });

  it("kills a program that ignores SIGTERM once the grace period is over", async () => {
    const { handle, epochs } = run(
      script(
        "stubborn",
        `import mtl_report as mtl, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
mtl.report(1, {"a": {"val": {"accuracy": 0.5}}})
time.sleep(60)
`,
      ),
      { graceMs: 200 },
    );
    while (epochs.length === 0) await new Promise((r) => setTimeout(r, 20));
    handle.stop("cancelled");
    expect(await handle.outcome).toMatchObject({ status: "cancelled", epochs: 1 });
  });
});
