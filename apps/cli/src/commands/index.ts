/**
 * The `mtl` commands: what `mtl --help` says of each, and how to load the one a command line
 * names. A command's module (and the libraries it needs: the store, the bus, the dashboard,
 * TensorFlow.js) is imported only when that command runs, so `mtl --help` and `mtl list` start
 * in a fraction of the time loading all of them took.
 */
import type { Command } from "commander";

/** What a command's module exports. */
export interface CommandModule {
  register(program: Command): void;
}

interface CommandEntry {
  /** Its arguments as `mtl --help` lists them ("" when it takes none). */
  args: string;
  /** The one-line description `mtl --help` and `mtl <command> --help` print. */
  description: string;
  load(): Promise<CommandModule>;
}

/** Every command, in the order `mtl --help` lists them. */
export const COMMANDS = {
  run: {
    args: "<file>",
    description: "plan and run a sweep (embedded: every core of this machine, no server)",
    load: () => import("./run.ts"),
  },
  check: {
    args: "<files...>",
    description: "validate experiment files and train each distinct configuration for one short epoch",
    load: () => import("./check.ts"),
  },
  dash: {
    args: "",
    description: "live terminal dashboard: sweeps, trials, learning curves, workers, events",
    load: () => import("./dash.ts"),
  },
  trials: {
    args: "",
    description: "list a sweep's trials with state, config and final per-task metrics",
    load: () => import("./trials.ts"),
  },
  list: {
    args: "<kind>",
    description: "show the registered strategies, datasets or architectures and their options",
    load: () => import("./list.ts"),
  },
  compare: {
    args: "[sweep]",
    description:
      "compare a sweep's strategies: mean ± std over seeds, 95% CI, Δm%, p-values, rank, Pareto front",
    load: () => import("./compare.ts"),
  },
  report: {
    args: "[sweeps...]",
    description:
      "write an HTML report (comparison, Pareto fronts, learning curves, optimisation history, parameter importance, parallel coordinates, every trial, the configuration), PNG plots, trials.csv and summary.md; with two sweeps, a comparison of the two",
    load: () => import("./report.ts"),
  },
  coordinator: {
    args: "",
    description: "coordinate every unfinished sweep of a results file over NATS, and new ones as they come",
    load: () => import("./coordinator.ts"),
  },
  worker: {
    args: "",
    description: "take trials from a NATS coordinator and train them (one thread per --concurrency)",
    load: () => import("./worker.ts"),
  },
  du: {
    args: "",
    description:
      "sizes of the trials' checkpoints and kept models, per sweep (finished trials' checkpoints, and kept models an ended sweep's checkpoint.keep lets go, are what `mtl gc` deletes)",
    load: () => import("./du.ts"),
  },
  gc: {
    args: "",
    description:
      "delete the checkpoints of finished trials (completed, failed, pruned, cancelled) and the kept models a completed sweep's checkpoint.keep lets go; those of trials that may still run, of unfinished sweeps and of sweeps this file does not know, stay",
    load: () => import("./gc.ts"),
  },
  export: {
    args: "<trial>",
    description:
      "write a trial's kept model to a folder: a TensorFlow.js model (model.json + weights.bin), or a program's own files",
    load: () => import("./export.ts"),
  },
} satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;

/** Adds the command `name` to `program` with its description; its module adds the rest. */
export function commandOf(program: Command, name: CommandName): Command {
  return program.command(name).description(COMMANDS[name].description);
}
