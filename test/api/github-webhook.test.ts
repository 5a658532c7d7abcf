import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import { services } from "@/server/wiring";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * POST /api/fleet/webhooks/github over real HTTP against the app's handler and a real SQLite
 * store: the signature is checked before anything is read or written (a bad one is 401 and the
 * store sees no write), a replayed delivery answers `duplicate` and changes nothing, ping answers,
 * other events are 202, an oversized body is 413 unread, and a malformed payload is 400 naming
 * the field.
 */
const SECRET = "whsec-for-the-webhook-test";
const A = "a".repeat(40);
const repository = { name: "widgets", owner: { login: "acme" } };
let app: InProcessApp;
let url: string;
let n = 0;

beforeAll(async () => {
  app = await startInProcess({ GITHUB_WEBHOOK_SECRET: SECRET }, [webhookRoute]);
  url = `${app.url}/api/fleet/webhooks/github`;
});
afterAll(async () => {
  await app?.stop();
});
beforeEach(async () => {
  (await services()).ctx.store.resetOpCounts();
});

async function deliver(event: string, payload: unknown, over: { id?: string; secret?: string; signature?: string; body?: string } = {}) {
  const body = over.body ?? JSON.stringify(payload);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": over.id ?? `delivery-${++n}`,
      "x-hub-signature-256": over.signature ?? (await sign(over.secret ?? SECRET, body)),
    },
    body,
  });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
}

/** The store methods called since the last reset that write something (anything not a read). */
async function writes(): Promise<string[]> {
  return Object.keys((await services()).ctx.store.opCounts()).filter((m) => !/^(get|list|find|read|count|last)/.test(m));
}

const opened = (number: number) => ({ action: "opened", pull_request: { number, head: { sha: A } }, repository });

it("refuses a bad, missing or other-secret signature with 401 and writes nothing", async () => {
  const cases = [{ signature: "sha256=" + "0".repeat(64) }, { signature: "" }, { secret: "not-the-secret" }];
  for (const over of cases) {
    const r = await deliver("pull_request", opened(7), { ...over, id: "first-try" });
    expect(r.status, JSON.stringify(over)).toBe(401);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe("unauthorized");
  }
  expect(await writes()).toEqual([]);
  // The refused id was not recorded: the genuine delivery with it is taken, not called a replay.
  const real = await deliver("pull_request", opened(7), { id: "first-try" });
  expect(real.status).toBe(200);
  // No job holds acme/widgets#7: nothing to refresh (test/api/github-webhook-review-loop.test.ts has one that does).
  expect(real.body).toEqual({ delivery: "first-try", event: "pull_request", refreshed: [] });
});

it("a replayed delivery answers duplicate and changes nothing", async () => {
  const first = await deliver("check_suite", { action: "completed", check_suite: { head_sha: A, pull_requests: [{ number: 4 }, { number: 9 }] }, repository }, { id: "replayed" });
  expect(first.body).toEqual({ delivery: "replayed", event: "check_suite", refreshed: [] });
  (await services()).ctx.store.resetOpCounts();
  for (let i = 0; i < 2; i++) {
    const again = await deliver("check_suite", { action: "completed", check_suite: { head_sha: A, pull_requests: [{ number: 4 }] }, repository }, { id: "replayed" });
    expect([again.status, again.body]).toEqual([200, { delivery: "replayed", duplicate: true }]);
  }
  // The only store call of a replay is the refused record.
  expect((await services()).ctx.store.opCounts()).toEqual({ recordWebhookDelivery: 2 });
});

it("answers ping, and 202 for an event or action it does not act on, recording nothing", async () => {
  const ping = await deliver("ping", { zen: "Design for failure.", hook_id: 1 });
  expect([ping.status, ping.body.pong]).toEqual([200, true]);
  const issue = await deliver("issues", { action: "opened", issue: { number: 1 } });
  expect([issue.status, issue.body]).toEqual([202, { delivery: expect.any(String), ignored: true, event: "issues", action: "opened" }]);
  const requested = await deliver("check_suite", { action: "requested" });
  expect([requested.status, requested.body.ignored]).toEqual([202, true]);
  expect(await writes()).toEqual([]);
});

it("refuses a body over 1 MiB with 413, before reading the signature", async () => {
  const body = JSON.stringify({ ...opened(1), padding: "x".repeat(1 << 20) });
  const r = await deliver("pull_request", undefined, { body, signature: "sha256=whatever" });
  expect([r.status, r.body.code]).toEqual([413, "payload_too_large"]);
  expect(await writes()).toEqual([]);
});

it("refuses a signed but malformed payload with 400 naming the field, and records nothing", async () => {
  const r = await deliver("check_suite", { action: "completed", check_suite: { head_sha: A, pull_requests: [{ number: "4" }] }, repository }, { id: "malformed" });
  expect(r.status).toBe(400);
  expect(r.body.code).toBe("validation");
  expect(r.body.errors).toEqual([{ path: "body.check_suite.pull_requests.0.number", message: expect.stringContaining("body.check_suite.pull_requests.0.number") }]);
  const noJson = await deliver("pull_request", undefined, { body: "{not json" });
  expect([noJson.status, (noJson.body.errors as { path: string }[])[0]!.path]).toEqual([400, "(body)"]);
  const badId = await deliver("pull_request", opened(3), { id: "../../etc" });
  expect([badId.status, (badId.body.errors as { path: string }[])[0]!.path]).toEqual([400, "(header)"]);
  expect(await writes()).toEqual([]);
  // Fixed and sent again with the same id, it is taken.
  const fixed = await deliver("check_suite", { action: "completed", check_suite: { head_sha: A, pull_requests: [{ number: 4 }] }, repository }, { id: "malformed" });
  expect(fixed.status).toBe(200);
});
