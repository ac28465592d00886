/**
 * What `mtl run` says when a sweep ends: failures grouped by reason, how to retry them, how to
 * resume, and the exit code that tells a script whether every trial went through.
 */
import { redactUrl } from "@mtl/bus";
import type { TrialRow } from "@mtl/store";

/** Exit codes of the `mtl` commands (README "Exit codes"; `mtl run --help`). */
export const EXIT = {
  ok: 0,
  /** The system failed (a crash, a lost connection): nothing is wrong with the input. */
  failure: 1,
  /** Bad input: the experiment file, a flag, the results file. Nothing was run or written. */
  badInput: 2,
  /** The sweep finished, but some of its trials failed: results are incomplete. */
  trialsFailed: 3,
  /** Interrupted (Ctrl-C); running the same command again resumes. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0    every trial finished (completed, pruned or cancelled)
  1    the system failed (crash, lost connection); the input was fine
  2    bad input (experiment file, flag, results file): nothing was run or written
  3    the sweep finished but some trials failed: see the reasons above the leaderboard,
       and retry them with --retry-failed
  130  interrupted: the same command resumes`;

/** A failure's reason as grouped: its first line, cut to a readable length. */
function reasonOf(error: string | null): string {
  const first = (error ?? "failed (no reason recorded)").split("\n")[0] ?? "";
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

/** Failed trials grouped by reason, the most frequent first. */
export function failureGroups(trials: readonly TrialRow[]): { reason: string; trials: number[] }[] {
  const groups = new Map<string, number[]>();
  for (const t of trials) {
    if (t.state !== "failed") continue;
    const reason = reasonOf(t.error);
    groups.set(reason, [...(groups.get(reason) ?? []), t.number]);
  }
  return [...groups]
    .map(([reason, numbers]) => ({ reason, trials: numbers }))
    .sort((a, b) => b.trials.length - a.trials.length || a.reason.localeCompare(b.reason));
}

/** `#3, #7, #9` — or the first few and how many more. */
function numbers(list: readonly number[]): string {
  const shown = list.slice(0, 6).map((n) => `#${n}`);
  return list.length > 6 ? `${shown.join(", ")} and ${list.length - 6} more` : shown.join(", ");
}

/** The lines reporting a sweep's failed trials and how to run them again, or none. */
export function failureReport(trials: readonly TrialRow[], command: string): string[] {
  const groups = failureGroups(trials);
  if (groups.length === 0) return [];
  const total = groups.reduce((n, g) => n + g.trials.length, 0);
  return [
    `${total} trial${total > 1 ? "s" : ""} failed:`,
    ...groups.map((g) => `  ${g.trials.length} × ${g.reason} (trial ${numbers(g.trials)})`),
    `Fix the cause, then run them again: ${command} --retry-failed`,
  ];
}

/** The flags of `mtl run` that the same run needs again (credentials stay out: they come from flags or the environment). */
export interface RerunFlags {
  db: string;
  nats?: string;
  workers?: number;
  backend?: string;
  maxTrials?: number;
}

/** The command that runs this sweep again, with its results file and the flags that shape it. */
export function rerunCommand(file: string, flags: RerunFlags): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ["pnpm exec mtl run", quote(file), "--db", quote(flags.db)];
  if (flags.nats) parts.push("--nats", quote(redactUrl(flags.nats)));
  if (flags.workers !== undefined) parts.push("--workers", String(flags.workers));
  if (flags.backend) parts.push("--backend", quote(flags.backend));
  if (flags.maxTrials !== undefined) parts.push("--max-trials", String(flags.maxTrials));
  return parts.join(" ");
}
