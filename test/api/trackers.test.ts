/**
 * GET /trackers (issue 16 item 7) over real HTTP against the app's real handlers, SQLite and the
 * GitHub double (every request checked against @octokit/openapi): admin only, the token shown only
 * as "set", the poller's last sync and last error, the webhook deliveries of the last day, and the
 * write-back backlog with its oldest age. Also GET /jobs?tracker= and ?item=, which the jobs table
 * filters with.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as tokensRoute from "@/app/api/fleet/tokens/route";
import * as importRoute from "@/app/api/fleet/tracker/import/route";
import * as trackersRoute from "@/app/api/fleet/trackers/route";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import { trackersView } from "@/lib/api/trackers";
import { trackerPollStep } from "@/server/coordinator/tracker-poll";
import { trackerFailed, wantTrackerState } from "@/server/store/rules/tracker-sync";
import { services } from "@/server/wiring";
import { startGithubDouble, type GithubDouble } from "../harness/github-double";
import { signedWebhook } from "../harness/github-double-issues";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

const SECRET = "webhook-secret-trackers-0123456789";
let gh: GithubDouble;
let app: InProcessApp;
let api: string;

beforeAll(async () => {
  gh = await startGithubDouble();
  app = await startInProcess(
    { GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url, GITHUB_WEBHOOK_SECRET: SECRET, FLEET_TRACKER_POLL_REPOS: "acme/shop", FLEET_TRACKER_POLL_MS: "3600000", FLEET_GITHUB_POLL_MS: "3600000" },
    [jobsRoute, tokensRoute, importRoute, trackersRoute, webhookRoute],
  );
  api = `${app.url}/api/fleet`;
  gh.addRepo("acme", "shop");
}, 60_000);
afterEach(() => {
  expect(gh.problems.splice(0)).toEqual([]);
});
afterAll(async () => {
  await app?.stop();
  await gh?.close();
});

const admin = (p: string, opts: Parameters<typeof call>[1] = {}) => call(`${api}${p}`, { token: app.adminToken, ...opts });
async function status() {
  const r = await admin("/trackers");
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  // the route's own schema, and never the token anywhere in the answer
  expect(JSON.stringify(r.body)).not.toContain(gh.token);
  return trackersView.parse(r.body);
}

describe("GET /trackers", () => {
  it("is for admins only: 401 without a token, 403 for a viewer or an operator", async () => {
    expect((await call(`${api}/trackers`)).status).toBe(401);
    for (const role of ["viewer", "operator"]) {
      const t = await admin("/tokens", { json: { name: `t-${role}`, role } });
      expect(t.status).toBe(201);
      const r = await call(`${api}/trackers`, { token: t.body.token });
      expect(r.status, role).toBe(403);
      expect(JSON.stringify(r.body)).not.toContain(gh.token);
    }
  });

  it("lists GitHub as connected with its token only as set, Linear as not configured with what to set", async () => {
    const s = await status();
    expect(s.trackers.map((t) => t.kind)).toEqual(["github"]);
    const g = s.trackers[0]!;
    expect(g.connection).toMatchObject({ credential: { name: "GITHUB_TOKEN", state: "set" }, apiUrl: gh.url, webhookSecret: { name: "GITHUB_WEBHOOK_SECRET", state: "set" }, health: "idle" });
    expect(g.poll).toEqual({ everyMs: 3_600_000, scopes: [{ scope: "acme/shop" }] });
    expect(g.webhooks).toEqual({ last24h: 0 });
    expect(g.outbox).toEqual({ pending: 0, atLeast: false });
    expect(s.unconfigured).toEqual([{ kind: "linear", hint: expect.stringContaining("LINEAR_API_KEY") }]);
  });

  it("shows the poller's last sync, and its refusal until a list succeeds again", async () => {
    const { ctx } = await services();
    gh.issues.outage(1);
    await trackerPollStep(ctx);
    let scope = (await status()).trackers[0]!.poll.scopes[0]!;
    expect(scope.lastSyncAt).toBeUndefined();
    expect(scope.lastAttemptAt).toBeDefined();
    expect(scope.lastError).toMatch(/unavailable/);
    expect((await status()).trackers[0]!.connection).toMatchObject({ health: "failing", lastError: scope.lastError });

    ctx.tracker!.poll.set("acme/shop", { ...ctx.tracker!.poll.get("acme/shop"), lastAt: 0 });
    await trackerPollStep(ctx);
    scope = (await status()).trackers[0]!.poll.scopes[0]!;
    expect(scope.lastError).toBeUndefined();
    expect(Date.parse(scope.lastSyncAt!)).toBe(Date.parse(scope.lastAttemptAt!));
    expect((await status()).trackers[0]!.connection.health).toBe("ok");
  });

  it("counts the webhook's deliveries of the last day and says when the last one came", async () => {
    const issue = gh.issues.create("acme", "shop", { title: "Fix the cart", body: "Please.", labels: ["agent:run"] });
    const w = signedWebhook(SECRET, "issues", "d-trackers-1", { action: "labeled", label: { name: "agent:run" }, ...gh.issues.payload("acme", "shop", issue.number, gh.url), sender: { login: "alice", type: "User" } });
    const r = await fetch(`${api}/webhooks/github`, { method: "POST", headers: w.headers, body: w.body });
    expect(r.status).toBe(200);
    // a replay is not a second delivery
    expect((await fetch(`${api}/webhooks/github`, { method: "POST", headers: w.headers, body: w.body })).status).toBe(200);
    const g = (await status()).trackers[0]!;
    expect(g.webhooks.last24h).toBe(1);
    expect(Date.now() - Date.parse(g.webhooks.lastAt!)).toBeLessThan(3_600_000);
    // the job's write-back went out at once: nothing waits
    expect(g.outbox.pending).toBe(0);
  });

  it("shows the write-back backlog: how many wait, since when, and the newest refusal", async () => {
    const { ctx } = await services();
    const now = ctx.now();
    const want = (id: string, at: number) => wantTrackerState(undefined, { id, productId: ctx.productId, itemId: "github:acme/shop#999", jobId: id, milestone: "queued", comment: "queued", labels: { add: [], remove: [] }, close: false, now: at });
    expect(await ctx.store.saveTrackerSync(want("backlog-old", now - 120_000), null)).toBe(true);
    expect(await ctx.store.saveTrackerSync(want("backlog-new", now - 5_000), null)).toBe(true);
    const rec = (await ctx.store.getTrackerSync("backlog-new"))!;
    expect(await ctx.store.saveTrackerSync(trackerFailed(rec, { error: "unavailable: GitHub answered 503", now }), rec.version)).toBe(true);
    const s = await status();
    const o = s.trackers[0]!.outbox;
    expect(o).toMatchObject({ pending: 2, atLeast: false, oldestPendingAt: new Date(now - 120_000).toISOString(), lastError: "unavailable: GitHub answered 503" });
    expect(o.oldestPendingAgeMs).toBeGreaterThanOrEqual(120_000);
    expect(s.outboxPending).toBe(2);
    expect(s.trackers[0]!.connection.health).toBe("failing");
  });
});

describe("GET /jobs?tracker=&item=", () => {
  it("filters by the tracker a job came from and by part of its item id; an unknown tracker is refused naming the field", async () => {
    const imported = gh.issues.create("acme", "shop", { title: "Import me", body: "Body.", labels: ["agent:run"] });
    const r = await admin("/tracker/import", { json: { item: `github:acme/shop#${imported.number}` } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const plain = await submitJob(app.url, app.adminToken, "---\nengine: shell\n---\n# Not from a tracker\n\nDo it.\n");
    const ids = async (q: string) => ((await admin(`/jobs?${q}`)).body.items as { id: string }[]).map((j) => j.id);
    expect(await ids("tracker=github")).toContain(r.body.jobId);
    expect(await ids("tracker=github")).not.toContain(plain.id);
    expect(await ids("tracker=none")).toEqual([plain.id]);
    expect(await ids("tracker=linear")).toEqual([]);
    expect(await ids(`item=${encodeURIComponent(`SHOP#${imported.number}`)}`)).toEqual([r.body.jobId]);
    const bad = await admin("/jobs?tracker=jira");
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: "tracker" })]);
  });
});
