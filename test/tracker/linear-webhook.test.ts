import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/linear/route";
import { afterMove, moveJob } from "@/server/coordinator/move-job";
import { services } from "@/server/wiring";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { startLinearDouble, type LinearDouble } from "../harness/linear-double";

/**
 * POST /api/fleet/webhooks/linear over real HTTP against the app's handler, a real SQLite store
 * and the Linear GraphQL double: the signature (and the signed timestamp) is checked before
 * anything is read or written (a bad one is 401 and the store sees no write), a replayed delivery
 * answers `duplicate` and changes nothing, an oversized body is 413 unread, a malformed payload is
 * 400 naming the field, and a labelled issue becomes one job with tracker-item linear:ENG-n.
 */
const SECRET = "lin_wh_secret-for-the-webhook-test";
const REPO = "https://github.com/acme/widgets.git";
let app: InProcessApp;
let linear: LinearDouble;
let url: string;
let n = 0;

beforeAll(async () => {
  linear = await startLinearDouble();
  linear.addTeam("ENG");
  linear.addTeam("OPS");
  app = await startInProcess({ LINEAR_WEBHOOK_SECRET: SECRET, LINEAR_API_KEY: linear.apiKey, LINEAR_API_URL: linear.url, FLEET_LINEAR_REPOS: `ENG=${REPO}` }, [webhookRoute]);
  url = `${app.url}/api/fleet/webhooks/linear`;
});
afterAll(async () => {
  await app?.stop();
  await linear?.stop();
});
beforeEach(async () => {
  (await services()).ctx.store.resetOpCounts();
});

const sign = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");

async function deliver(payload: unknown, over: { id?: string; secret?: string; signature?: string; body?: string } = {}) {
  const body = over.body ?? JSON.stringify(payload);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "linear-delivery": over.id ?? `0b7c4f6e-0000-4000-8000-${String(++n).padStart(12, "0")}`, "linear-event": "Issue", "linear-signature": over.signature ?? sign(body, over.secret) },
    body,
  });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
}

/** The store methods called since the last reset that write something (anything not a read). */
async function writes(): Promise<string[]> {
  return Object.keys((await services()).ctx.store.opCounts()).filter((m) => !/^(get|list|find|read|count|last)/.test(m));
}

/** An Issue webhook as Linear sends it (the fields of EntityWebhookPayload and IssueWebhookPayload we read, and some we do not). */
function issueEvent(identifier: string, over: { action?: string; labels?: string[]; updatedFrom?: Record<string, unknown>; at?: number; title?: string } = {}) {
  const issue = linear.issue(identifier);
  const names = over.labels ?? linear.labelNames(identifier);
  const labels = names.map((name) => ({ id: linear.labels.find((l) => l.name === name)?.id ?? `label-${name}`, name, color: "#5e6ad2" }));
  return {
    action: over.action ?? "update",
    type: "Issue",
    createdAt: new Date().toISOString(),
    organizationId: "00000000-0000-4000-8000-org000000001",
    url: `https://linear.app/double/issue/${identifier}`,
    webhookId: "00000000-0000-4000-8000-hook00000001",
    webhookTimestamp: over.at ?? Date.now(),
    actor: { id: "00000000-0000-4000-8000-user00000002", type: "user", name: "Ada" },
    data: {
      id: issue.id,
      identifier,
      number: issue.number,
      title: over.title ?? issue.title,
      description: issue.description,
      url: `https://linear.app/double/issue/${identifier}`,
      teamId: issue.teamId,
      labelIds: labels.map((l) => l.id),
      labels,
      state: { id: issue.stateId, name: "Todo", type: "unstarted", color: "#fff" },
      priority: 0,
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt,
    },
    ...(over.updatedFrom ? { updatedFrom: over.updatedFrom } : {}),
  };
}

it("refuses a bad, missing or other-secret signature with 401 and writes nothing", async () => {
  const i = linear.addIssue("ENG", { title: "Sign me", labels: ["agent:run"] });
  const payload = issueEvent(i.identifier, { action: "create" });
  const body = JSON.stringify(payload);
  for (const over of [{ signature: "0".repeat(64) }, { signature: "" }, { secret: "not-the-secret" }, { signature: sign(body).toUpperCase().slice(0, 63) }]) {
    const r = await deliver(payload, { ...over, id: "first-try", body });
    expect(r.status, JSON.stringify(over)).toBe(401);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe("unauthorized");
  }
  // A body changed after signing
  const r = await deliver(payload, { id: "first-try", body: body.replace("Sign me", "Sign you"), signature: sign(body) });
  expect(r.status).toBe(401);
  expect(await writes()).toEqual([]);
  expect(linear.operations.filter((o) => o.name === "issue")).toHaveLength(0);
  // The refused id was not recorded: the genuine delivery with it is taken.
  const real = await deliver(payload, { id: "first-try", body });
  expect([real.status, real.body.tracker]).toEqual([200, { outcome: "created", jobId: expect.any(String) }]);
});

it("refuses a stale webhookTimestamp (a captured delivery replayed later) with 401, and one with none", async () => {
  const i = linear.addIssue("ENG", { title: "Replay me", labels: ["agent:run"] });
  const stale = await deliver(issueEvent(i.identifier, { action: "create", at: Date.now() - 5 * 60_000 }));
  expect([stale.status, stale.body.code]).toEqual([401, "unauthorized"]);
  expect(stale.body.errors).toEqual([{ path: "body.webhookTimestamp", message: expect.stringMatching(/more than 60 s from now/) }]);
  const future = await deliver(issueEvent(i.identifier, { action: "create", at: Date.now() + 5 * 60_000 }));
  expect(future.status).toBe(401);
  const { webhookTimestamp: _omit, ...none } = issueEvent(i.identifier, { action: "create" });
  expect((await deliver(none)).status).toBe(401);
  expect(await writes()).toEqual([]);
});

it("a labelled issue becomes one job with tracker-item linear:ENG-n; a replayed delivery answers duplicate and changes nothing", async () => {
  const i = linear.addIssue("ENG", { title: "Add a health check", description: "GET /healthz answers 200.", labels: ["agent:run"] });
  const payload = issueEvent(i.identifier, { action: "update", updatedFrom: { labelIds: [] } });
  const first = await deliver(payload, { id: "replayed" });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ delivery: "replayed", event: "issue", tracker: { outcome: "created", jobId: expect.any(String) } });
  const jobId = (first.body.tracker as { jobId: string }).jobId;
  const job = await (await services()).ctx.store.getJob(jobId);
  expect(job).toMatchObject({ stage: "queued", title: "Add a health check" });
  expect(job?.manifest).toMatchObject({ repo: REPO, "tracker-item": `linear:${i.identifier}`, "idempotency-key": expect.stringContaining(`linear:${i.identifier}`) });
  expect(job?.body).toContain("GET /healthz answers 200.");
  (await services()).ctx.store.resetOpCounts();
  for (let k = 0; k < 2; k++) {
    const again = await deliver(payload, { id: "replayed" });
    expect([again.status, again.body]).toEqual([200, { delivery: "replayed", duplicate: true }]);
  }
  // The only store call of a replay is the refused record.
  expect(await writes()).toEqual(["recordWebhookDelivery"]);
  // A new delivery of the same, unchanged issue creates nothing (idempotency-key = item + content hash).
  const same = await deliver(payload);
  expect(same.body.tracker).toEqual({ outcome: "existing", jobId });
});

it("ignores (202) what the fleet does not act on, recording nothing", async () => {
  const i = linear.addIssue("ENG", { title: "Unrelated", labels: ["bug"] });
  const cases: unknown[] = [
    issueEvent(i.identifier, { action: "update", updatedFrom: { priority: 1 } }),
    issueEvent(i.identifier, { action: "create" }),
    issueEvent(i.identifier, { action: "remove" }),
    { ...issueEvent(i.identifier), type: "Project", data: { id: "p1" } },
  ];
  for (const payload of cases) {
    const r = await deliver(payload);
    expect([r.status, r.body.ignored], JSON.stringify(payload).slice(0, 80)).toEqual([202, true]);
  }
  expect(await writes()).toEqual([]);
});

it("an issue of a team with no mapped repository is not taken, and the answer says what to set", async () => {
  const i = linear.addIssue("OPS", { title: "Rotate keys", labels: ["agent:run"] });
  const r = await deliver(issueEvent(i.identifier, { action: "create" }));
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ delivery: expect.any(String), event: "issue", tracker: { outcome: "ignored", reason: expect.stringContaining("set FLEET_LINEAR_REPOS=OPS=") } });
  expect(await writes()).toEqual([]);
});

it("refuses a body over 1 MiB with 413, before reading the signature", async () => {
  const i = linear.addIssue("ENG", { title: "Big", labels: ["agent:run"] });
  const body = JSON.stringify({ ...issueEvent(i.identifier), padding: "x".repeat(1 << 20) });
  const r = await deliver(undefined, { body, signature: "f".repeat(64) });
  expect([r.status, r.body.code]).toEqual([413, "payload_too_large"]);
  expect(await writes()).toEqual([]);
});

it("refuses a signed but malformed payload with 400 naming the field, and records nothing", async () => {
  const i = linear.addIssue("ENG", { title: "Malformed", labels: ["agent:run"] });
  const good = issueEvent(i.identifier, { action: "create" });
  const cases: [unknown, string][] = [
    [{ ...good, data: { ...good.data, identifier: "../../etc" } }, "body.data.identifier"],
    [{ ...good, data: { ...good.data, labels: "agent:run" } }, "body.data.labels"],
    [{ ...good, data: { ...good.data, title: 42 } }, "body.data.title"],
    [{ ...good, type: 7 }, "body.type"],
  ];
  for (const [payload, path] of cases) {
    const r = await deliver(payload, { id: "malformed" });
    expect([r.status, r.body.code], path).toEqual([400, "validation"]);
    expect(r.body.errors).toEqual([{ path, message: expect.stringContaining(path) }]);
  }
  const notJson = await deliver(undefined, { body: "{not json" });
  expect([notJson.status, (notJson.body.errors as { path: string }[])[0]!.path]).toEqual([400, "(body)"]);
  const badId = await deliver(good, { id: "../../etc" });
  expect([badId.status, (badId.body.errors as { path: string }[])[0]!.path]).toEqual([400, "(header)"]);
  expect(await writes()).toEqual([]);
  // Fixed and sent again with the same id, it is taken.
  const fixed = await deliver(good, { id: "malformed" });
  expect([fixed.status, (fixed.body.tracker as { outcome: string }).outcome]).toEqual([200, "created"]);
});

it("Linear down while the issue is read: 503 so Linear retries, and the delivery is not kept as seen", async () => {
  const i = linear.addIssue("ENG", { title: "Outage", labels: ["agent:run"] });
  const payload = issueEvent(i.identifier, { action: "create" });
  linear.failNext(1, 503);
  const down = await deliver(payload, { id: "during-outage" });
  expect([down.status, down.body.code]).toEqual([503, "unavailable"]);
  const retried = await deliver(payload, { id: "during-outage" });
  expect([retried.status, (retried.body.tracker as { outcome: string }).outcome]).toEqual([200, "created"]);
});

it("a labelled issue whose manifest block is malformed gets ONE comment naming the field, the agent:failed label, and no job", async () => {
  const description = ["Make it fast.", "", "```yaml", "priorty: high", "```", ""].join("\n");
  const i = linear.addIssue("ENG", { title: "Bad block", description, labels: ["agent:run"] });
  const { ctx } = await services();
  const jobsBefore = (await ctx.store.listJobs({}, undefined, 500)).items.length;
  const first = await deliver(issueEvent(i.identifier, { action: "create" }));
  expect(first.status).toBe(200);
  const tracker = first.body.tracker as { outcome: string; errors: { path: string; message: string }[] };
  expect(tracker.outcome).toBe("invalid");
  expect(tracker.errors[0]!.path).toContain("priorty");
  // another delivery of the same issue (labelled again): still the one comment
  const again = await deliver(issueEvent(i.identifier, { action: "update", updatedFrom: { labelIds: [] } }));
  expect((again.body.tracker as { outcome: string }).outcome).toBe("invalid");
  await expect.poll(() => linear.commentsOf(i.identifier).length).toBe(1);
  const [comment] = linear.commentsOf(i.identifier);
  expect(comment!.body).toContain("priorty");
  expect(comment!.body).toContain("no job was queued");
  expect(linear.labelNames(i.identifier)).toContain("agent:failed");
  expect((await ctx.store.listJobs({}, undefined, 500)).items.length).toBe(jobsBefore);
  expect(linear.commentsOf(i.identifier)).toHaveLength(1);
});

it("a comment mentioning the bot finds the issue's job by id (a Linear comment carries no issue text) and answers why it cannot follow up yet", async () => {
  const i = linear.addIssue("ENG", { title: "Follow me up", description: "Do a thing.", labels: ["agent:run"] });
  const made = await deliver(issueEvent(i.identifier, { action: "create" }));
  const jobId = (made.body.tracker as { jobId: string }).jobId;
  const { ctx } = await services();
  // the job ran and waits in review, its branch not pushed (this test has no factory)
  const grant = await ctx.store.claimJob({ jobId, factoryId: "mac-1", engine: "claude", leaseId: "lease-lin-c1", ttlMs: 3_600_000, now: ctx.now() });
  await afterMove(ctx, grant!.job, { from: "queued", cause: "claimed by a factory" });
  const building = await moveJob(ctx, grant!.job, "building", { by: "test", cause: "the engine started" });
  await moveJob(ctx, building, "review", { by: "test", cause: "the engine exited 0" });
  const comment = (body: string) => ({
    action: "create",
    type: "Comment",
    webhookTimestamp: Date.now(),
    actor: { id: "00000000-0000-4000-8000-user00000002", type: "user", name: "Ada" },
    data: { id: `c-${++n}`, body, userId: "00000000-0000-4000-8000-user00000002", issue: { identifier: i.identifier, title: i.title, url: `https://linear.app/double/issue/${i.identifier}` } },
  });
  const plain = await deliver(comment("Nice work."));
  expect([plain.status, plain.body.reason]).toEqual([202, "the comment does not mention the bot"]);
  const ask = await deliver(comment("@gigafactory please also log the request"));
  expect(ask.status, JSON.stringify(ask.body)).toBe(200);
  const t = ask.body.tracker as { outcome: string; reason: string };
  expect(t.outcome).toBe("ignored");
  // found the job in review (before, the lookup by the comment's empty text found none)
  expect(t.reason).toMatch(/^cannot request changes/);
  expect((await ctx.store.getJob(jobId))!.stage).toBe("review");
});
