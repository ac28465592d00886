/**
 * Reads the Store class has no method for yet, as prepared SQL on its connection: per-sweep
 * timing aggregates (one query for every sweep instead of loading each sweep's trials on every
 * poll), one epoch's metrics (a running trial's latest, without reading all its history twice a
 * second) and one trial's events (the sweep's recent events may not reach back to it).
 */
import type { EventRow, Store } from "@mtl/store";

export interface SweepTiming {
  sweepId: number;
  startedAt: number | null;
  meanTrialMs: number | null;
}

interface Query {
  all(...params: unknown[]): unknown[];
}

const cache = new WeakMap<Store, { timing: Query; events: Query; epoch: Query }>();

function statements(store: Store) {
  let s = cache.get(store);
  if (!s) {
    s = {
      timing: store.sqlite.prepare(
        `select sweep_id as sweepId, min(started_at) as startedAt,
                avg(case when state = 'completed' and started_at is not null and finished_at is not null
                         then finished_at - started_at end) as meanTrialMs
         from trials group by sweep_id`,
      ) as Query,
      epoch: store.sqlite.prepare(
        `select task, split, name, value from metrics where trial_id = ? and attempt = ? and epoch = ?`,
      ) as Query,
      events: store.sqlite.prepare(
        `select id, at, sweep_id as sweepId, trial_id as trialId, kind, message
         from events where trial_id = ? order by id desc limit ?`,
      ) as Query,
    };
    cache.set(store, s);
  }
  return s;
}

export function sweepTimings(store: Store): Map<number, SweepTiming> {
  const rows = statements(store).timing.all() as SweepTiming[];
  return new Map(rows.map((r) => [r.sweepId, r]));
}

/** A trial's latest events, oldest first. */
export function trialEvents(store: Store, trialId: number, limit = 50): EventRow[] {
  return (statements(store).events.all(trialId, limit) as EventRow[]).reverse();
}

export interface EpochMetric {
  task: string;
  split: string;
  name: string;
  value: number;
}

/** The metrics one attempt of a trial stored for one epoch. */
export function epochMetrics(store: Store, trialId: number, attempt: number, epoch: number): EpochMetric[] {
  return statements(store).epoch.all(trialId, attempt, epoch) as EpochMetric[];
}
