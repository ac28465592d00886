/**
 * Loads the dashboard over a results file (`@mtl/dashboard/local`: Ink, React, yoga). Ink's
 * layout engine, yoga, instantiates its embedded WebAssembly through `fetch` when `fetch` exists,
 * which loads Node's HTTP client (undici) just to decode a data: URL: ~45 ms of the dashboard's
 * start-up. Without `fetch` it decodes the same bytes itself, so `fetch` is hidden while the
 * module loads (and only then).
 */
export async function loadLocalDashboard(): Promise<typeof import("@mtl/dashboard/local")> {
  const fetch = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  Object.defineProperty(globalThis, "fetch", { value: undefined, configurable: true, writable: true });
  try {
    return await import("@mtl/dashboard/local");
  } finally {
    if (fetch) Object.defineProperty(globalThis, "fetch", fetch);
    else delete (globalThis as { fetch?: unknown }).fetch;
  }
}
