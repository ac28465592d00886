/**
 * The mistakes a new user makes, each refused before anything runs: `mtl run` exits 2, names the
 * field (with a suggestion where one is close), prints no stack trace, and leaves the results
 * file as it was (never created, or byte for byte unchanged).
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "@mtl/scheduler";
import { ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { mtl, tempDir, tinyExperiment, writeExperiment } from "./helpers/cli.ts";

const tmp = tempDir("mtl-bad-input-");
afterAll(() => tmp.cleanup());

/** A small numeric csv (features f1, f2; a label and a price), and a copy with a word among the numbers. */
const csvDir = join(tmp.dir, "data");
mkdirSync(csvDir);
const rows = Array.from({ length: 60 }, (_, i) => `${i / 10},${(i * 7) % 13},${i % 2},${i * 1.5}`);
writeFileSync(join(csvDir, "good.csv"), ["f1,f2,label,price", ...rows].join("\n"));
writeFileSync(
  join(csvDir, "words.csv"),
  ["f1,f2,label,price", ...rows.slice(0, 5), "0.1,abc,1,2", ...rows].join("\n"),
);
execFileSync("mkfifo", [join(csvDir, "pipe.csv")]);

const csvExperiment = (options: Record<string, unknown>) =>
  tinyExperiment("csv", {
    dataset: {
      name: "csv",
      options: { path: join(csvDir, "good.csv"), targets: { label: "classification" }, ...options },
    },
    tasks: [{ name: "label", kind: "classification", metric: "accuracy" }],
    strategies: ["equal"],
  });

interface Mistake {
  what: string;
  spec?: Record<string, unknown>;
  /** Extra arguments after `run FILE --db DB`. */
  args?: string[];
  /** Lines (or parts of lines) stderr must contain. */
  says: (string | RegExp)[];
}

const t = tinyExperiment;
const space = (s: Record<string, unknown>) => ({ space: s });

const mistakes: Mistake[] = [
  {
    what: "a misspelt strategy",
    spec: t("x", { strategies: ["equal", "pcgard"] }),
    says: ['strategies[1]: unknown strategy "pcgard" — did you mean "pcgrad"?'],
  },
  {
    what: "a misspelt dataset",
    spec: t("x", { dataset: { name: "clasification" } }),
    says: ['dataset.name: unknown dataset "clasification" — did you mean "classification"?'],
  },
  {
    what: "a misspelt architecture",
    spec: t("x", { model: { architecture: "hard-shareing" } }),
    says: ['model.architecture: unknown architecture "hard-shareing" — did you mean "hard-sharing"?'],
  },
  {
    what: "an unknown dataset option",
    spec: t("x", { dataset: { name: "classification", options: { n_sample: 400 } } }),
    says: ['dataset.options: unknown option "n_sample" — did you mean "n_samples"?'],
  },
  {
    what: "a dataset option out of range",
    spec: t("x", { dataset: { name: "classification", options: { n_samples: 5 } } }),
    says: [/dataset\.options\.n_samples: .*10/],
  },
  {
    what: "an unknown strategy option",
    spec: t("x", { strategies: ["equal", { name: "gradnorm", options: { alpah: 1 } }] }),
    says: ['strategies[1].options: unknown option "alpah" — did you mean "alpha"?'],
  },
  {
    what: "a strategy option of the wrong type",
    spec: t("x", { strategies: [{ name: "gradnorm", options: { alpha: "high" } }] }),
    says: ["strategies[0].options.alpha: expected number, got string"],
  },
  {
    what: "an option for a strategy that takes none",
    spec: t("x", { strategies: [{ name: "equal", options: { weight: 2 } }] }),
    says: ['strategies[0].options: unknown option "weight" (it takes none)'],
  },
  {
    what: "an architecture option it does not take",
    spec: t("x", { model: { architecture: "hard-sharing", hidden: [16], options: { experts: 4 } } }),
    says: ['model.options: unknown option "experts" (it takes none)'],
  },
  {
    what: "a space key that is no parameter",
    spec: t("x", space({ learningrate: { kind: "choice", values: [0.01, 0.1] } })),
    says: [/^ {2}space\.learningrate: not a trial parameter .*— did you mean "learningRate"\?$/m],
  },
  {
    what: "a space key for a strategy option that does not exist",
    spec: t("x", {
      strategies: ["gradnorm"],
      ...space({ "gradnorm.alpah": { kind: "uniform", low: 0.5, high: 2 } }),
    }),
    says: ['space.gradnorm.alpah: strategy "gradnorm" has no option "alpah" — did you mean "alpha"?'],
  },
  {
    what: "a space key for a dataset option that does not exist",
    spec: t("x", space({ "dataset.relatednes": { kind: "choice", values: [0.2, 0.8] } })),
    says: [
      'space.dataset.relatednes: dataset "classification" has no option "relatednes" — did you mean "relatedness"?',
    ],
  },
  {
    what: "a space value the dataset refuses",
    spec: t("x", space({ "dataset.relatedness": { kind: "choice", values: [0.5, 2] } })),
    says: [/space\.dataset\.relatedness = 2: dataset\.options\.relatedness: .*1/],
  },
  {
    what: "a misspelt architecture among the space's values",
    spec: t("x", space({ architecture: { kind: "choice", values: ["hard-sharing", "mmoee"] } })),
    says: [
      'space.architecture = "mmoee": model.architecture: unknown architecture "mmoee" — did you mean "mmoe"?',
    ],
  },
  {
    what: "a space value that gives no valid trial",
    spec: t("x", space({ learningRate: { kind: "choice", values: [0.01, -1] } })),
    says: [/space\.learningRate = -1: training\.learningRate: /],
  },
  {
    what: "a task the dataset does not produce",
    spec: t("x", {
      tasks: [
        { name: "task1", kind: "classification", metric: "accuracy" },
        { name: "task3", kind: "classification", metric: "accuracy" },
      ],
    }),
    says: [
      /tasks\[1\]\.target: the dataset has no output "task3" — did you mean "task\d"\? \(it has task1, task2\)/,
    ],
  },
  {
    what: "a regression task on a classification output",
    spec: t("x", {
      tasks: [
        { name: "task1", kind: "classification", metric: "accuracy" },
        { name: "task2", kind: "regression", metric: "mse" },
      ],
    }),
    says: ['tasks[1].kind: output "task2" is classification, not regression'],
  },
  {
    what: "a csv file that does not exist",
    spec: csvExperiment({ path: join(csvDir, "missing.csv") }),
    says: [/dataset\.options\.path: .*missing\.csv" does not exist/],
  },
  {
    what: "a csv file with a word among its numbers",
    spec: csvExperiment({ path: join(csvDir, "words.csv") }),
    says: [/dataset\.options\.path: .*column "f2": expected a number/],
  },
  {
    what: "a csv feature column that does not exist",
    spec: csvExperiment({ features: ["f1", "nope"] }),
    says: [/dataset\.options\.features: .*no column "nope"/],
  },
  {
    what: "a csv target column that does not exist",
    spec: csvExperiment({ targets: { lable: "classification" } }),
    says: [/dataset\.options\.targets: .*no column "lable" .*— did you mean "label"\?/],
  },
  {
    what: "a csv path that is a FIFO (refused without blocking)",
    spec: csvExperiment({ path: join(csvDir, "pipe.csv") }),
    says: [/dataset\.options\.path: .*pipe\.csv" is not a regular file/],
  },
  {
    what: "epochs over the workers' limit",
    spec: t("x", { training: { epochs: 1e9 } }),
    says: ["training.epochs: 1000000000 epochs, over the limit of 10000 (raise with --max-epochs)"],
  },
  {
    what: "a dataset over the workers' limit",
    spec: t("x", { dataset: { name: "classification", options: { n_samples: 1e10 } } }),
    says: ["dataset: 10000000000 samples, over the limit of 10000000 (raise with --max-samples)"],
  },
  {
    what: "a misspelt backend",
    spec: t("x"),
    args: ["--backend", "wsam"],
    says: [
      '--backend: unknown backend "wsam" — did you mean "wasm"? (expected one of tensorflow-gpu, tensorflow, wasm, cpu)',
    ],
  },
  {
    what: "a non-positive worker count",
    spec: t("x"),
    args: ["--workers", "0"],
    says: ['--workers: expected a positive integer, got "0"'],
  },
  {
    what: "an objective naming no task",
    spec: t("x", { sweep: { objective: { task: "task9" } } }),
    says: [/sweep\.objective\.task: expected "mean", "pareto" or one of task1, task2/],
  },
];

/** Runs `mtl run` on `spec` with a results file that must not come into being. */
async function runMistake(m: Mistake, i: number) {
  const file = writeExperiment(tmp.dir, `mistake-${i}`, m.spec);
  const db = join(tmp.dir, `mistake-${i}.db`);
  const r = await mtl(["run", file, "--db", db, ...(m.args ?? [])]);
  return { r, db };
}

describe("mtl run refuses bad input before anything runs", () => {
  it("covers twenty or more mistakes", () => expect(mistakes.length).toBeGreaterThanOrEqual(20));

  // Concurrently (each case has its own files): most of a case is the CLI starting up.
  it.concurrent.for(mistakes.map((m, i) => [m.what, m, i] as const))(
    "%s",
    { timeout: 60_000 },
    async ([_what, m, i], { expect }) => {
      const { r, db } = await runMistake(m, i);
      expect(r.exitCode, r.stderr).toBe(2);
      for (const s of m.says)
        expect(r.stderr).toMatch(typeof s === "string" ? new RegExp(escapeRegExp(s)) : s);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
      expect(existsSync(db)).toBe(false);
    },
  );

  it("reports a field of the wrong kind and misspelt names together, each with a suggestion", async () => {
    const file = writeExperiment(
      tmp.dir,
      "mixed",
      tinyExperiment("mixed", {
        strategies: ["equal", "pcgard"],
        model: { architecture: "hard-shareing" },
        training: { epochs: 2, optimizer: "adma" },
        stratgies: ["equal"],
      }),
    );
    const db = join(tmp.dir, "mixed.db");
    const r = await mtl(["run", file, "--db", db]);
    expect(r.exitCode).toBe(2);
    for (const line of [
      'training.optimizer: expected one of adam, sgd, momentum, rmsprop — did you mean "adam"?',
      '(root): unknown field stratgies — did you mean "strategies"?',
      'model.architecture: unknown architecture "hard-shareing" — did you mean "hard-sharing"?',
      'strategies[1]: unknown strategy "pcgard" — did you mean "pcgrad"?',
    ])
      expect(r.stderr).toContain(line);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(db)).toBe(false);
  });

  it("leaves an existing results file byte for byte as it was", async () => {
    const db = join(tmp.dir, "existing.db");
    const store = new Store(db);
    store.ensureSweep(ExperimentSpec.parse(t("earlier")));
    store.close();
    const before = readFileSync(db);
    const file = writeExperiment(tmp.dir, "existing", t("x", { strategies: ["pcgard"] }));
    const r = await mtl(["run", file, "--db", db]);
    expect(r.exitCode).toBe(2);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`).length : 0).toBe(0);
  });

  it("mtl check refuses the same file the same way, training nothing", async () => {
    const file = writeExperiment(tmp.dir, "check-bad", t("x", { strategies: ["equal", "pcgard"] }));
    const r = await mtl(["check", file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('strategies[1]: unknown strategy "pcgard" — did you mean "pcgrad"?');
    expect(r.stdout).toBe("");
  });
});

describe("experiment files that do not compile or import", () => {
  it("shows a syntax error's file, line, column and the compiler's message", async () => {
    const file = join(tmp.dir, "syntax.ts");
    writeFileSync(file, 'export default {\n  name: "x",\n  dataset: { name: "csv" ,, },\n};\n');
    const db = join(tmp.dir, "syntax.db");
    const r = await mtl(["run", file, "--db", db]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:3:27: Expected identifier but found ","`);
    expect(r.stderr).toContain('    dataset: { name: "csv" ,, },\n');
    expect(r.stderr).not.toContain("Transform failed");
    expect(existsSync(db)).toBe(false);
  });

  it("shows the same through a symlinked folder (the compiler names the real path)", async () => {
    const real = join(tmp.dir, "real-folder");
    mkdirSync(real, { recursive: true });
    const link = join(tmp.dir, "linked-folder");
    symlinkSync(real, link);
    writeFileSync(join(real, "syntax.ts"), 'export default {\n  name: "x"\n  tasks: [],\n};\n');
    const file = join(link, "syntax.ts");
    const r = await mtl(["run", file, "--db", join(tmp.dir, "linked.db")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:3:3: Expected "}" but found "tasks"`);
    expect(r.stderr).not.toContain("Transform failed");
  });

  it("shows where an import names a module that does not exist", async () => {
    const file = join(tmp.dir, "imports.ts");
    writeFileSync(file, 'import { helper } from "./missing-helper.ts";\nexport default helper;\n');
    const r = await mtl(["run", file, "--db", join(tmp.dir, "imports.db")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:1:24: cannot find module "./missing-helper.ts"`);
  });
});

describe("secrets", () => {
  it("never prints the password of a NATS URL", async () => {
    for (const args of [
      ["worker", "--nats", "nats://mtl:s3cret-pw@127.0.0.1:1", "--no-warm-up"],
      ["coordinator", "--nats", "nats://mtl:s3cret-pw@127.0.0.1:1", "--db", join(tmp.dir, "secrets.db")],
    ]) {
      const r = await mtl(args);
      expect(r.exitCode).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toContain("nats://mtl:***@127.0.0.1:1");
      expect(`${r.stdout}${r.stderr}`).not.toContain("s3cret-pw");
    }
  });
});

describe("results files that cannot be used as they are", () => {
  /** A results file with one sweep of two finished trials, closed cleanly. */
  function resultsFile(name: string): string {
    const db = join(tmp.dir, name);
    const store = new Store(db);
    const experiment = ExperimentSpec.parse(t("stored"));
    const { sweep } = store.ensureSweep(experiment);
    const config = resolveConfig(experiment, { strategy: "equal" }, 0);
    const planned = [0, 1].map((seed) => ({ configKey: "k", seed, method: "equal", params: {}, config }));
    for (const trial of store.planTrials(sweep.id, planned)) {
      store.startTrial(trial.id, { runId: `r${trial.id}`, worker: "w", backend: "cpu" });
      const final = {
        task1: { val: { accuracy: 0.8 }, test: { accuracy: 0.8 } },
        task2: { val: { accuracy: 0.7 }, test: { accuracy: 0.7 } },
      };
      store.completeTrial(trial.id, `r${trial.id}`, { final, epochs: 0, backend: "cpu", objective: [0.75] });
    }
    for (let i = 0; i < 60; i++) store.event(sweep.id, null, "note", "x".repeat(400));
    store.close();
    return db;
  }
  const file = () => writeExperiment(tmp.dir, "fine", t("fine"));

  it("refuses a damaged file, naming it, and leaves its bytes as they were", async () => {
    const db = resultsFile("damaged.db");
    const pages = statSync(db).size / 4096;
    const fd = openSync(db, "r+");
    for (let p = 2; p < pages; p++) writeSync(fd, Buffer.from([0x07, 0xff, 0xff, 0xff]), 0, 4, 4096 * p);
    closeSync(fd);
    const before = readFileSync(db);
    for (const args of [
      ["trials", "--db", db],
      ["run", file(), "--db", db],
    ]) {
      const r = await mtl(args);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^mtl: results database ${escapeRegExp(db)} is damaged \\(PRAGMA quick_check`, "m"),
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("refuses a file from a newer MTL Lab", async () => {
    const db = resultsFile("newer.db");
    const raw = new Database(db);
    const known = (raw.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
    raw.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('next', 1)").run();
    raw.close();
    const before = readFileSync(db);
    for (const args of [
      ["trials", "--db", db],
      ["run", file(), "--db", db],
    ]) {
      const r = await mtl(args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(
        `results database ${db} was written by a newer MTL Lab (schema ${known + 1} > ${known})`,
      );
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("reads a results file in a folder it cannot write to (trials, compare)", async () => {
    const folder = join(tmp.dir, "shared");
    mkdirSync(folder);
    const db = join(folder, "r.db");
    writeFileSync(db, readFileSync(resultsFile("to-share.db")));
    // Root writes anywhere: as root, run the CLI as an ordinary user, for whom the folder is read-only.
    chmodSync(tmp.dir, 0o755);
    chmodSync(folder, 0o555);
    chmodSync(db, 0o444);
    const nobody = process.getuid?.() === 0 ? 65534 : undefined;
    try {
      const trials = await mtl(["trials", "--db", db, "--json"], { uid: nobody });
      expect(trials.stderr).toBe("");
      expect(trials.exitCode).toBe(0);
      expect((JSON.parse(trials.stdout) as { state: string }[]).map((x) => x.state)).toEqual([
        "completed",
        "completed",
      ]);
      const compare = await mtl(["compare", "--db", db, "--format", "json"], { uid: nobody });
      expect(compare.stderr).toBe("");
      expect(compare.exitCode).toBe(0);
      expect(JSON.parse(compare.stdout)).toBeTruthy();
      expect(existsSync(`${db}-wal`) || existsSync(`${db}-shm`)).toBe(false);
    } finally {
      chmodSync(folder, 0o755); // for the cleanup
    }
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
