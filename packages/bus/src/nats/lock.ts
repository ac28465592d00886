/**
 * One coordinator per namespace: a key in a JetStream KV bucket whose entries expire after a TTL,
 * refreshed by its holder. A second coordinator finds the key and refuses; a holder that died
 * loses the key once its TTL passes (or at once, when it ran on this host and its pid is gone).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { JetStreamClient, KV } from "nats";
import { z } from "zod";
import type { Topology } from "../namespace.ts";

const KEY = "holder";
/** How long a silent holder keeps the namespace. */
export const LOCK_TTL_MS = 15_000;

const Holder = z.object({
  token: z.string(),
  pid: z.number().int(),
  host: z.string(),
  what: z.string(),
  since: z.number(),
});
type Holder = z.output<typeof Holder>;

/** Another live coordinator holds the namespace. */
export class NamespaceHeld extends Error {
  constructor(
    readonly namespace: string,
    readonly holder: Holder,
  ) {
    super(
      `namespace "${namespace}" on this NATS server is coordinated by ${holder.what} (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()}); ` +
        `run one coordinator per namespace: stop that one, or use --namespace to work beside it`,
    );
    this.name = "NamespaceHeld";
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface NamespaceLock {
  /** Deletes the key if this process still holds it. */
  release(): Promise<void>;
}

/**
 * Takes the namespace's lock or throws NamespaceHeld. While held it is refreshed every third of
 * its TTL; if another coordinator takes it meanwhile (this one was silent past the TTL), `onLost`
 * is called and this one must stop.
 */
export async function takeNamespaceLock(
  js: JetStreamClient,
  t: Topology,
  o: { what: string; ttlMs?: number; onLost?: () => void; log?: (line: string) => void },
): Promise<NamespaceLock> {
  const ttl = o.ttlMs ?? LOCK_TTL_MS;
  const kv: KV = await js.views.kv(t.buckets.lock, { ttl, history: 1 });
  const me: Holder = {
    token: randomUUID(),
    pid: process.pid,
    host: hostname(),
    what: o.what,
    since: Date.now(),
  };
  const data = encoder.encode(JSON.stringify(me));
  const read = async () => {
    const e = await kv.get(KEY);
    if (e?.operation !== "PUT") return undefined;
    const h = Holder.safeParse(JSON.parse(decoder.decode(e.value)));
    return { revision: e.revision, holder: h.success ? h.data : undefined };
  };
  const acquire = async (): Promise<number> => {
    for (;;) {
      try {
        return await kv.create(KEY, data);
      } catch {
        const seen = await read();
        if (!seen) continue; // it expired in between
        const h = seen.holder;
        // A holder on this host whose process is gone is taken over at once; else wait for its TTL.
        if (h && (h.token === me.token || (h.host === me.host && !pidAlive(h.pid))))
          return await kv.update(KEY, data, seen.revision);
        throw new NamespaceHeld(
          t.namespace,
          h ?? { token: "", pid: 0, host: "?", what: "an unreadable holder", since: 0 },
        );
      }
    }
  };
  let revision = await acquire();
  let stopped = false;
  let busy = false;
  const refresh = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      revision = await kv.update(KEY, data, revision);
    } catch {
      try {
        const seen = await read();
        if (seen?.holder?.token === me.token) revision = seen.revision;
        else if (!seen)
          revision = await kv.create(KEY, data); // expired while the server was away
        else {
          stopped = true;
          clearInterval(timer);
          o.log?.(
            `lost the lock on namespace "${t.namespace}" to ${seen.holder?.what ?? "another coordinator"}`,
          );
          o.onLost?.();
        }
      } catch (error) {
        o.log?.(`lock refresh: ${(error as Error).message}`); // the server is away: try again
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void refresh(), Math.max(100, ttl / 3));
  return {
    release: async () => {
      clearInterval(timer);
      if (stopped) return;
      stopped = true;
      // Failing here (the server is away) only leaves the key to expire after its TTL.
      await kv
        .delete(KEY, { previousSeq: revision })
        .catch((e) => o.log?.(`lock release: ${(e as Error).message}`));
    },
  };
}
