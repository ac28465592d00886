/**
 * The dashboard protocol's server end on a NATS connection. Whatever a client sends, the process
 * answers or logs: a reply that cannot be sent (too large, connection closing) is never thrown
 * into the client library's read loop, where it would end the coordinator.
 */
import type { NatsConnection, Subscription } from "nats";
import type { Rejected } from "../bus.ts";
import { DEFAULT_MAX_PAYLOAD } from "../limits.ts";
import { answerDashboard, DASH_SUBJECTS, type DashboardService } from "./protocol.ts";

/** The protocol's subjects start with this ("mtl.dash"); a namespace puts its own name first. */
const DASH_BASE = DASH_SUBJECTS.all.slice(0, -2);

/**
 * Answers `<base>.*` requests on `nc` from `service` (`base` is the namespace's, "mtl.dash" by
 * default); unsubscribe the result to stop. Malformed requests are answered with an error and
 * passed to `onRejected` (a dead letter).
 */
export function serveDashboardOn(
  nc: NatsConnection,
  service: DashboardService,
  log: (line: string) => void,
  onRejected?: (rejected: Rejected) => void,
  base = DASH_BASE,
): Subscription {
  return nc.subscribe(`${base}.>`, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const subject = DASH_BASE + msg.subject.slice(base.length);
      // Read per request: the limit is the server's, and a reconnect may reach another server.
      const maxReplyBytes = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
      const onBadRequest = (error: string) =>
        onRejected?.({ source: msg.subject, payload: new TextDecoder().decode(msg.data), error });
      answerDashboard(service, subject, msg.data, { maxReplyBytes, onBadRequest })
        .then((reply) => {
          msg.respond(reply);
        })
        .catch((e: unknown) => log(`dashboard reply on ${msg.subject}: ${(e as Error).message}`));
    },
  });
}
