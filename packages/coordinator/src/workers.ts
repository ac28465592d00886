import type { Heartbeat } from "@mtl/bus";
import type { Store } from "@mtl/store";

/** Writes a heartbeat into the worker registry (name, host, pool, backend, devices, current trial). */
export function recordHeartbeat(store: Store, h: Heartbeat): void {
  store.upsertWorker({
    name: h.name,
    host: h.host,
    pool: h.pool,
    backend: h.backend,
    devices: h.devices,
    state: h.state,
    currentTrial: h.running[0] ?? null,
  });
  if (h.state === "gone") store.markWorkerGone(h.name, "stopped");
}

/**
 * Marks workers silent for longer than `timeoutMs` as gone. Their trials need nothing here: the
 * bus delivers them again once their leases expire.
 */
export function markStaleWorkers(store: Store, timeoutMs: number, now = Date.now()): void {
  for (const w of store.listWorkers())
    if (w.state !== "gone" && now - w.lastSeen > timeoutMs) store.markWorkerGone(w.name, "no heartbeat");
}
