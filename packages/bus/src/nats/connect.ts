import { readFileSync } from "node:fs";
import { type ConnectionOptions, connect, credsAuthenticator, type NatsConnection } from "nats";
import { redactUrl, redactUrls } from "../redact.ts";

/** How to reach and authenticate to a NATS server; everything is passed through to the client. */
export interface NatsConnectOptions {
  /** One URL or several, e.g. `nats://host:4222` or `tls://host:4222`. */
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** A `.creds` file (JWT and nkey seed), as written by `nsc`. */
  credsFile?: string;
  /** TLS files; any of them turns TLS on. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Shown in the server's connection list. */
  name?: string;
}

/** The first connection could not be made (wrong URL, credentials or TLS setup). */
export class NatsConnectError extends Error {
  constructor(servers: string | string[], cause: unknown) {
    const reason = (cause as Error)?.message ?? String(cause);
    // The URL may carry a password or token (nats://user:pass@host): never print it.
    const where = [servers].flat().map(redactUrl).join(", ");
    super(`cannot connect to NATS at ${where}: ${redactUrls(reason)}`, { cause });
    this.name = "NatsConnectError";
  }
}

/**
 * Connects once (failing fast with a clear error) and then reconnects forever: a process rides
 * out a nats-server restart instead of exiting.
 */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const tls = options.tls && Object.values(options.tls).some(Boolean) ? options.tls : undefined;
  const wantsTls = [options.servers].flat().some((s) => s.startsWith("tls://"));
  const config: ConnectionOptions = {
    servers: options.servers,
    name: options.name,
    user: options.user,
    pass: options.pass,
    token: options.token,
    tls: tls ?? (wantsTls ? {} : undefined),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 10_000,
  };
  try {
    if (options.credsFile) config.authenticator = credsAuthenticator(readFileSync(options.credsFile));
    return await connect(config);
  } catch (error) {
    throw new NatsConnectError(options.servers, error);
  }
}
