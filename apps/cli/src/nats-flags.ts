/**
 * NATS connection flags shared by `mtl run --nats`, `mtl coordinator` and `mtl worker`. Each
 * flag can also come from the environment, so that secrets need not appear in a process list.
 */
import type { NatsBusOptions } from "@mtl/bus";
import { DEFAULT_NAMESPACE, InvalidNamespace, topologyOf } from "@mtl/bus/core";
import { InputError } from "@mtl/spec";
import { type Command, Option } from "commander";

export interface NatsFlags {
  nats?: string;
  natsUser?: string;
  natsPass?: string;
  natsToken?: string;
  natsCreds?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  ackWait?: number;
  namespace: string;
}

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${name}: expected a positive integer, got "${v}"`);
  return n;
};

/** A namespace NATS can use in every name (it prefixes streams, subjects, consumers and buckets). */
const namespace = (v: string) => {
  try {
    return topologyOf(v).namespace;
  } catch (error) {
    if (error instanceof InvalidNamespace) throw new InputError(error.message);
    throw error;
  }
};

/**
 * Adds the namespace, authentication and TLS flags, and unless `jetstream: false` the lease flag
 * (the URL flag is each command's own). A trial's retry budget is its experiment's
 * `sweep.maxAttempts`, not a flag: the bus gives a trial up after that many deliveries.
 */
export function addNatsFlags(command: Command, options: { jetstream?: boolean } = {}): Command {
  command
    .addOption(
      new Option(
        "--namespace <name>",
        "prefix of every stream, subject, consumer and bucket on the NATS server: one coordinator per namespace",
      )
        .env("MTL_NAMESPACE")
        .argParser(namespace)
        .default(DEFAULT_NAMESPACE),
    )
    .addOption(new Option("--nats-user <user>", "NATS user").env("NATS_USER"))
    .addOption(new Option("--nats-pass <password>", "NATS password").env("NATS_PASSWORD"))
    .addOption(new Option("--nats-token <token>", "NATS token").env("NATS_TOKEN"))
    .addOption(new Option("--nats-creds <file>", "NATS credentials file (JWT + nkey)").env("NATS_CREDS"))
    .addOption(new Option("--tls-ca <file>", "CA certificate for the NATS server").env("NATS_TLS_CA"))
    .addOption(new Option("--tls-cert <file>", "client certificate (TLS)").env("NATS_TLS_CERT"))
    .addOption(new Option("--tls-key <file>", "client key (TLS)").env("NATS_TLS_KEY"));
  if (options.jetstream === false) return command;
  return command.addOption(
    new Option("--ack-wait <ms>", "a worker's lease on a trial, renewed while it trains (default 30000)")
      .env("MTL_ACK_WAIT_MS")
      .argParser(positive("--ack-wait")),
  );
}

/** The bus options these flags describe. */
export function natsOptions(flags: NatsFlags, url: string, log?: (line: string) => void): NatsBusOptions {
  return {
    servers: url.split(",").map((s) => s.trim()),
    user: flags.natsUser,
    pass: flags.natsPass,
    token: flags.natsToken,
    credsFile: flags.natsCreds,
    tls: { caFile: flags.tlsCa, certFile: flags.tlsCert, keyFile: flags.tlsKey },
    ackWaitMs: flags.ackWait,
    namespace: flags.namespace,
    log,
  };
}

/**
 * A repeat of the signal sooner than this after the first is the same Ctrl-C relayed, not a
 * second press: a terminal sends Ctrl-C to the whole foreground group, and the launchers users
 * start `mtl` with (`pnpm mtl`, `pnpm exec`, `npx`, tsx) forward it to their child once more.
 */
const REPEAT_MS = 1000;

/**
 * Ctrl-C (or SIGTERM) aborts the returned signal once (`stop()` does the same); a second one, a
 * second or more later, exits at once.
 */
export function stopOnSignals(onFirst: () => void): { signal: AbortSignal; stop(): void; dispose(): void } {
  const abort = new AbortController();
  let first: number | undefined;
  const handler = () => {
    if (first !== undefined) {
      if (performance.now() - first > REPEAT_MS) process.exit(130);
      return;
    }
    first = performance.now();
    onFirst();
    abort.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: abort.signal,
    stop: handler,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
