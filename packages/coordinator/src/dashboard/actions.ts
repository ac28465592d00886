/**
 * Dashboard actions applied to the results store. The coordinator watches the store: it stops
 * dispatching while a sweep is paused and forwards a cancel to the worker running the trial.
 */

import type { ActionResult, DashAction } from "@mtl/bus/core";
import type { Store } from "@mtl/store";

export function applyAction(store: Store, a: DashAction): ActionResult {
  if (a.action === "cancel") {
    const t = store.trial(a.trialId);
    if (!t) return { ok: false, message: `no trial ${a.trialId}` };
    const r = store.cancelTrial(a.trialId, "cancelled from the dashboard");
    return r.applied
      ? { ok: true, message: `trial ${t.number} cancelled` }
      : { ok: false, message: `trial ${t.number} not cancelled: ${r.reason ?? r.trial.state}` };
  }
  const sweep = store.getSweep(a.sweepId);
  if (!sweep) return { ok: false, message: `no sweep ${a.sweepId}` };
  const [from, to] =
    a.action === "pause" ? (["running", "paused"] as const) : (["paused", "running"] as const);
  if (sweep.status !== from)
    return { ok: false, message: `sweep ${sweep.id} is ${sweep.status}, not ${from}` };
  store.setSweepStatus(sweep.id, to);
  const verb = a.action === "pause" ? "paused" : "resumed";
  store.event(sweep.id, null, `sweep.${verb}`, `sweep ${sweep.id} ${verb} from the dashboard`);
  return { ok: true, message: `sweep ${sweep.id} ${verb}` };
}
