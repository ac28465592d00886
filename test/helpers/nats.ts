/**
 * A real nats-server for tests and benchmarks: JetStream on, its store in a temp folder, on a port
 * the server picks itself (`-p -1`), so no two suites ever fight over a fixed port. `restart()`
 * comes back on the same port with the same store, as an operator's restart would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { mtlCommand, ROOT } from "./cli.ts";

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory (kept across restarts). */
  readonly storeDir: string;
  /** Everything the server logged so far, for failure messages. */
  log(): string;
  /**
   * Stops the server and starts it again on the same port with the same store: by SIGTERM (then
   * SIGKILL after 5 s), or with `{ signal: "SIGKILL" }` at once, as a crash would.
   */
  restart(options?: { signal?: "SIGTERM" | "SIGKILL" }): Promise<void>;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  /** Extra arguments, e.g. `["--user", "u", "--pass", "p"]`. */
  args?: string[];
  /** Give up waiting for readiness after this long. @default 15000 */
  timeoutMs?: number;
}

export class NatsServerMissing extends Error {
  constructor(cause: unknown) {
    super(
      "nats-server is not on PATH: install it with `apt-get install nats-server` (scripts/install-system-deps.sh)",
      {
        cause,
      },
    );
    this.name = "NatsServerMissing";
  }
}

type Proc = ResultPromise<{ reject: false; stdin: "ignore"; buffer: false }>;

/** Starts nats-server with JetStream and resolves once it accepts clients. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const storeDir = mkdtempSync(join(tmpdir(), "mtl-nats-"));
  let output = "";
  let proc: Proc;

  const launch = async (port: number): Promise<number> => {
    const args = ["-js", "-sd", storeDir, "-a", "127.0.0.1", "-p", String(port), ...(options.args ?? [])];
    const child = execa("nats-server", args, { reject: false, stdin: "ignore", buffer: false });
    proc = child;
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nats-server not ready after ${options.timeoutMs ?? 15000} ms:\n${output}`)),
        options.timeoutMs ?? 15000,
      );
      let listening: number | undefined;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        listening ??=
          Number(/Listening for client connections on [^\s]+:(\d+)/.exec(output)?.[1]) || undefined;
        if (listening && /Server is ready/.test(output.slice(output.lastIndexOf("Starting nats-server")))) {
          clearTimeout(timer);
          child.stderr?.off("data", onData);
          child.stderr?.on("data", (c: Buffer) => {
            output += c.toString();
          });
          resolve(listening);
        }
      };
      child.stderr?.on("data", onData);
      child.then((r) => {
        clearTimeout(timer);
        if ((r as { code?: string }).code === "ENOENT") reject(new NatsServerMissing(r));
        else
          reject(new Error(`nats-server exited (${r.exitCode ?? r.signal}) before it was ready:\n${output}`));
      });
    });
  };

  const halt = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    const child = proc;
    if (child.exitCode !== null && child.exitCode !== undefined) return;
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.kill(signal);
    await child;
    clearTimeout(killer);
  };

  let port: number;
  try {
    port = await launch(-1);
  } catch (error) {
    rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    log: () => output,
    async restart(options = {}) {
      await halt(options.signal);
      output += `\n--- restart (${options.signal ?? "SIGTERM"}) ---\n`;
      await launch(port);
    },
    async stop() {
      await halt();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export type MtlProcess = ResultPromise<{ reject: false; all: true; buffer: true; stdin: "ignore" }> & {
  /** Everything printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Resolves once `pattern` appears in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
};

/** Starts the `mtl` CLI (helpers/cli's `mtlCommand`) as one long-running process. */
export function spawnMtl(args: string[], env: Record<string, string> = {}): MtlProcess {
  const [command, ...argv] = mtlCommand(args);
  const child = execa(command, argv, {
    cwd: ROOT,
    reject: false,
    all: true,
    buffer: true,
    stdin: "ignore",
    env: { FORCE_COLOR: "0", ...env },
  });
  let output = "";
  const listeners = new Set<() => void>();
  child.all?.on("data", (c: Buffer) => {
    output += c.toString();
    for (const l of listeners) l();
  });
  const exited = child.then(() => undefined);
  return Object.assign(child, {
    output: () => output,
    waitFor(pattern: RegExp, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const done = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        const check = () => {
          if (pattern.test(output)) done(resolve);
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out waiting for ${pattern} in:\n${output}`))),
          timeoutMs,
        );
        listeners.add(check);
        check();
        void exited.then(() => done(() => reject(new Error(`mtl exited before ${pattern}:\n${output}`))));
      });
    },
  });
}
