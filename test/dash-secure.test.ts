/**
 * `mtl dash --nats` takes the same credential and TLS flags as the other commands: against a
 * nats-server with a user and password, and one with TLS (a throwaway CA made with openssl), the
 * dashboard shows what the coordinator serves; with a wrong password it exits 2 without printing
 * the password.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mtlShellLine, tempDir, tinyExperiment } from "./helpers/cli.ts";
import { type MtlProcess, type NatsServer, spawnMtl, startNatsServer } from "./helpers/nats.ts";
import { hasTmux, Tmux } from "./helpers/tmux.ts";

/** A shell line running the real CLI in a tmux window; prints its exit code when it ends. */

if (!hasTmux()) throw new Error("tmux is not installed: run scripts/install-system-deps.sh");

const tmp = tempDir("mtl-dash-secure-");
let nats: NatsServer | undefined;
let coordinator: MtlProcess | undefined;
let tmux: Tmux | undefined;
afterEach(async () => {
  tmux?.kill();
  coordinator?.kill("SIGTERM");
  await coordinator;
  await nats?.stop();
  nats = undefined;
  coordinator = undefined;
});
afterAll(() => tmp.cleanup());

/** A results file with one finished sweep, for the coordinator to serve. */
function resultsFile(name: string): string {
  const db = join(tmp.dir, `${name}.db`);
  const store = new Store(db);
  const { sweep } = store.ensureSweep(ExperimentSpec.parse(tinyExperiment(name)));
  store.setSweepStatus(sweep.id, "completed", 0);
  store.close();
  return db;
}

async function serve(name: string, url: string, auth: string[]) {
  const db = resultsFile(name);
  coordinator = spawnMtl(["coordinator", "--nats", url, "--db", db, ...auth]);
  await coordinator.waitFor(/answering the dashboard/);
}

describe("mtl dash --nats with credentials and TLS", () => {
  it("connects with a user and password, and hides a wrong password", async () => {
    nats = await startNatsServer({ args: ["--user", "mtl", "--pass", "s3cret-pw"] });
    await serve("userpass", nats.url, ["--nats-user", "mtl", "--nats-pass", "s3cret-pw"]);
    tmux = new Tmux();
    tmux.start(
      "dash",
      mtlShellLine(["dash", "--nats", nats.url, "--nats-user", "mtl", "--nats-pass", "s3cret-pw"]),
    );
    await tmux.waitFor("dash", /sweep 1 userpass completed/, 60_000);
    tmux.keys("dash", ["q"]);
    await tmux.waitFor("dash", /\[exited 0\]/);

    const wrong = nats.url.replace("nats://", "nats://mtl:wr0ng-pw@");
    tmux.start("wrong", mtlShellLine(["dash", "--nats", wrong]));
    const s = await tmux.waitFor("wrong", /\[exited \d+\]/, 60_000);
    expect(s).toMatch(/\[exited 2\]/);
    expect(s).toMatch(/cannot connect to NATS at nats:\/\/mtl:\*\*\*@127\.0\.0\.1:\d+/);
    expect(s).not.toContain("wr0ng-pw");
  });

  it("connects over TLS with the CA given by --tls-ca, and refuses without it", async () => {
    const dir = tmp.dir;
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=mtl-test-ca",
    );
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=127.0.0.1",
    );
    writeFileSync(join(dir, "san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "san.cnf",
    );
    nats = await startNatsServer({
      args: ["--tls", "--tlscert", join(dir, "server.pem"), "--tlskey", join(dir, "server.key")],
    });
    const url = `tls://127.0.0.1:${nats.port}`;
    const ca = join(dir, "ca.pem");
    await serve("tls", url, ["--tls-ca", ca]);
    tmux = new Tmux();
    tmux.start("dash", mtlShellLine(["dash", "--nats", url, "--tls-ca", ca]));
    await tmux.waitFor("dash", /sweep 1 tls completed/, 60_000);
    tmux.keys("dash", ["q"]);
    await tmux.waitFor("dash", /\[exited 0\]/);

    tmux.start("noca", mtlShellLine(["dash", "--nats", url]));
    const s = await tmux.waitFor("noca", /\[exited \d+\]/, 60_000);
    expect(s).toMatch(/\[exited 2\]/);
    expect(s).toMatch(/cannot connect to NATS at tls:\/\/127\.0\.0\.1/);
  });
});
