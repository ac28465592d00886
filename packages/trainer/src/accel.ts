/**
 * The trainer's handle on @mtl/accel, the wasm kernels: installed when the wasm backend becomes
 * active (backend.ts). Every op with a fast form asks `fast()` — the accel where it is active,
 * else null — and otherwise computes with plain tfjs.
 */
import { type Accel, install } from "@mtl/accel";

let installed: Accel | null = null;

/** Installs the accel on the wasm backend (idempotent); null where it cannot (see @mtl/accel). */
export function installAccel(): Accel | null {
  installed = install();
  return installed;
}

/** The accel where it is active (wasm backend, enabled), else null: use plain tfjs. */
export function fast(): Accel | null {
  return installed?.active ? installed : null;
}

/** The installed accel, active or not (to disable and enable it: benchmarks, numerics checks). */
export function accel(): Accel | null {
  return installed;
}
