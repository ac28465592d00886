import { describe, expect, it } from "vitest";
import { answerDashboard, DASH_SUBJECTS, type DashboardService } from "./dashboard/protocol.ts";
import type { Snapshot } from "./dashboard/views.ts";
import { boundRejected, cutText, DASH_REQUEST_BYTES, REJECTED_PAYLOAD_BYTES } from "./limits.ts";
import { redactUrl, redactUrls } from "./redact.ts";

const bytes = (s: string) => new TextEncoder().encode(s).length;
const body = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

describe("cutText", () => {
  it("keeps short text and cuts long text to the bound, saying how long it was", () => {
    expect(cutText("short", 100)).toBe("short");
    const cut = cutText("x".repeat(10_000), 500);
    expect(bytes(cut)).toBeLessThanOrEqual(500);
    expect(cut).toMatch(/^x+… \[cut: 10000 bytes\]$/);
  });

  it("never splits a character", () => {
    const cut = cutText("é".repeat(1000), 101);
    expect(bytes(cut)).toBeLessThanOrEqual(101);
    expect(cut).not.toContain("\uFFFD");
  });
});

describe("boundRejected", () => {
  it("cuts a payload larger than any server takes", () => {
    const r = boundRejected({
      source: "mtl.trials.cpu",
      payload: "{".repeat(5_000_000),
      error: "e".repeat(9000),
    });
    expect(bytes(r.payload)).toBeLessThanOrEqual(REJECTED_PAYLOAD_BYTES);
    expect(bytes(JSON.stringify(r))).toBeLessThan(8 * 1024);
    expect(r.source).toBe("mtl.trials.cpu");
  });
});

describe("answerDashboard bounds", () => {
  const big = {
    sweeps: [],
    trials: Array.from({ length: 5000 }, (_, i) => ({ id: i, note: "x".repeat(100) })),
  };
  const service: DashboardService = {
    snapshot: () => big as unknown as Snapshot,
    trial: () => {
      throw new Error("store is closed");
    },
    action: () => ({ ok: true, message: "done" }),
  };

  it("turns a reply over max_payload into an error reply", async () => {
    const reply = await answerDashboard(service, DASH_SUBJECTS.snapshot, new Uint8Array(), {
      maxReplyBytes: 64 * 1024,
    });
    expect(reply.length).toBeLessThan(1024);
    expect(body(reply).error).toMatch(
      /^reply too large: \d+ bytes, over the NATS server's max_payload \(65536\)/,
    );
  });

  it("refuses an oversized request before parsing it", async () => {
    const huge = new TextEncoder().encode(
      JSON.stringify({ trialId: 1, pad: "x".repeat(DASH_REQUEST_BYTES) }),
    );
    const reply = body(await answerDashboard(service, DASH_SUBJECTS.trial, huge));
    expect(reply.error).toMatch(/^bad request: \d+ bytes \(at most 16384\)$/);
  });

  it("answers forged requests and a failing service with error replies", async () => {
    const ask = async (subject: string, text: string) =>
      body(await answerDashboard(service, subject, new TextEncoder().encode(text)));
    expect((await ask(DASH_SUBJECTS.trial, '{"trialId":1}')).error).toBe("store is closed");
    expect((await ask(DASH_SUBJECTS.trial, '{"trialId":-1}')).error).toMatch(/^bad request: trialId/);
    expect((await ask(DASH_SUBJECTS.action, '{"action":"drop","sweepId":1}')).error).toMatch(/^bad request/);
    expect((await ask(DASH_SUBJECTS.snapshot, "{not json")).error).toBe("bad request: invalid JSON");
    expect((await ask("mtl.dash.shell", "{}")).error).toBe("unknown subject mtl.dash.shell");
  });

  it("reports malformed requests for the record, not a service's own failure", async () => {
    const bad: string[] = [];
    const ask = (subject: string, text: string) =>
      answerDashboard(service, subject, new TextEncoder().encode(text), { onBadRequest: (e) => bad.push(e) });
    await ask(DASH_SUBJECTS.trial, '{"trialId":1}'); // valid: the service fails on its own
    await ask(DASH_SUBJECTS.trial, '{"trialId":"1; DROP TABLE trials"}');
    await ask("mtl.dash.x", "{}");
    expect(bad).toEqual([expect.stringMatching(/^bad request: trialId/), "unknown subject mtl.dash.x"]);
  });
});

describe("redactUrl", () => {
  it("hides passwords and tokens, keeps the rest", () => {
    expect(redactUrl("nats://alice:s3cret@host:4222")).toBe("nats://alice:***@host:4222");
    expect(redactUrl("nats://TOKEN@host:4222,tls://bob:pw@other:4223")).toBe(
      "nats://***@host:4222,tls://bob:***@other:4223",
    );
    expect(redactUrl("nats://host:4222")).toBe("nats://host:4222");
    expect(redactUrls("connect to nats://u:p4ss@h:1 failed")).toBe("connect to nats://u:***@h:1 failed");
  });
});
