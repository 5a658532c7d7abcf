/**
 * Issue 16 end to end over real HTTP: the control plane in process (its real route handlers,
 * SQLite), GitHub behind the double (every API request and answer checked against
 * @octokit/openapi), signed webhooks to the app, and a real fleet-agent that clones from and
 * pushes to the double's git. An issue labelled `agent:run` becomes a queued job, the agent builds
 * it, the PR says `Closes #N`, Ship merges it, and the issue is closed with one comment carrying
 * the merge SHA, delivered once even though the tracker was down at the time.
 */
import { describe, expect, it } from "vitest";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as eventsRoute from "@/app/api/fleet/leases/[id]/events/route";
import * as renewRoute from "@/app/api/fleet/leases/[id]/renew/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import * as importRoute from "@/app/api/fleet/tracker/import/route";
import { sendTrackerSync } from "@/server/coordinator/tracker-sync";
import { services } from "@/server/wiring";
import { signedWebhook } from "../harness/github-double-issues";
import { call } from "../harness/factory";
import { githubFleet } from "../harness/github-fleet";
import { until } from "../harness/until";

const SECRET = "webhook-secret-0123456789abcdef";
const fleet = githubFleet({
  settings: { GITHUB_WEBHOOK_SECRET: SECRET, FLEET_TRACKER_BOT: "gigafactory-bot", FLEET_GITHUB_MERGE_METHOD: "squash" },
  routes: [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, actionsRoute, claimRoute, renewRoute, eventsRoute, completeRoute, webhookRoute, importRoute],
  agent: "gh-1",
});

const { get, act } = fleet;
// the answers are read field by field, as JSON
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; body: any };
let deliveries = 0;
async function hook(event: string, payload: unknown, secret = SECRET) {
  const w = signedWebhook(secret, event, `d-${++deliveries}`, payload);
  const r = await fetch(`${fleet.api}/webhooks/github`, { method: "POST", headers: w.headers, body: w.body });
  return { status: r.status, body: await r.json() } as Answer;
}
const labeled = (repo: string, number: number, label = "agent:run", sender = "alice") => ({ action: "labeled", label: { name: label }, ...fleet.gh.issues.payload("acme", repo, number, fleet.gh.url), sender: { login: sender, type: "User" } });


let n = 0;
function issueOn(body: string, labels: string[] = ["agent:run"]) {
  const repo = `shop-${++n}`;
  fleet.gh.addRepo("acme", repo, { git: true });
  const issue = fleet.gh.issues.create("acme", repo, { title: `Add the b file ${n}`, body, labels });
  return { repo, number: issue.number };
}
const FAKE = ["Please add b.", "", "```yaml", "engine: fake", "verify: test -f b.txt", "```", "", "fake: write b.txt=b", "fake: commit add b", ""].join("\n");

describe.skipIf(process.platform === "win32")("the GitHub Issues round trip", () => {
  it("label → queued job → agent → PR (Closes #N) → Ship → the issue closed with the merge SHA, delivered once after an outage; importing again is a no-op", async () => {
    const { repo, number } = issueOn(FAKE);
    const r = await hook("issues", labeled(repo, number));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.tracker.outcome).toBe("created");
    const id = r.body.tracker.jobId as string;
    const job0 = (await get(`/jobs/${id}`)).body;
    expect(job0.manifest).toMatchObject({ "tracker-item": `github:acme/${repo}#${number}`, engine: "fake", verify: "test -f b.txt", repo: fleet.gh.cloneUrl("acme", repo) });
    expect(job0.title).toBe(`Add the b file ${n}`);
    expect(job0.tracker.item).toBe(`github:acme/${repo}#${number}`);
    // the issue's page on the double's own host, port and all (where people would open it)
    expect(job0.tracker.url).toBe(`${fleet.gh.url}/acme/${repo}/issues/${number}`);

    const job = await until(() => get(`/jobs/${id}`).then((x) => x.body), (j) => j.stage === "testing" && j.delivery?.pr !== undefined, "the job reaches testing with a PR");
    const pr = fleet.gh.pullFor("acme", repo, job.delivery.branch)!;
    expect(pr.body).toContain(`Closes #${number}`);
    const during = fleet.gh.issues.get("acme", repo, number);
    expect(during.comments).toHaveLength(1);
    expect(during.comments[0]!.body).toContain(pr.number ? "Pull request opened" : "");
    expect(during.labels).toContain("agent:running");

    // the tracker is down while the job ships: the write-back waits in the outbox
    fleet.gh.issues.outage(1000);
    const shipped = await act(id, { action: "ship" });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const mergeSha = shipped.body.delivery.mergeSha as string;
    expect(fleet.gh.issues.get("acme", repo, number).state).toBe("open");
    const { ctx } = await services();
    const pending = await ctx.store.getTrackerSync(id);
    expect(pending).toMatchObject({ milestone: "shipped", close: true });
    expect(pending!.sentRev).toBeLessThan(pending!.rev);
    expect(await ctx.store.countTrackerSyncPending()).toBeGreaterThanOrEqual(1);

    // back up: the sweeper's send (called here at once rather than after the backoff) delivers it
    fleet.gh.issues.outage(0);
    for (const rec of await ctx.store.listTrackerSyncDue(ctx.now() + 3_600_000, 25)) await sendTrackerSync(ctx, rec);
    const after = fleet.gh.issues.get("acme", repo, number);
    expect(after.state).toBe("closed");
    expect(after.stateReason).toBe("completed");
    expect(after.comments).toHaveLength(1);
    for (const part of ["Shipped", mergeSha, pr.number ? `/pull/${pr.number}` : "", "Verify: passed", "Engine: fake", "Factory: gh-1"]) expect(after.comments[0]!.body).toContain(part);
    expect(after.labels.filter((l) => l.startsWith("agent:") && l !== "agent:run")).toEqual([]);
    // once: nothing more is due, a second sweep sends nothing
    expect((await ctx.store.getTrackerSync(id))!.sentRev).toBe((await ctx.store.getTrackerSync(id))!.rev);
    const before = fleet.gh.requests.length;
    for (const rec of await ctx.store.listTrackerSyncDue(ctx.now() + 3_600_000, 25)) if (rec.id === id) await sendTrackerSync(ctx, rec);
    expect(fleet.gh.requests.slice(before).filter((q) => q.path.includes(`/issues/${number}`))).toEqual([]);

    // importing the same item again (an open copy of it) creates nothing
    fleet.gh.issues.get("acme", repo, number).state = "open";
    const again = await call(`${fleet.api}/tracker/import`, { token: fleet.app.adminToken, json: { item: `github:acme/${repo}#${number}` } });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toEqual({ outcome: "existing", jobId: id });
  }, 90_000);

  it("a bad signature is 401 and changes nothing; our own bot's events and other labels are ignored", async () => {
    const { repo, number } = issueOn(FAKE.replace("engine: fake", "engine: nowhere"));
    const jobsBefore = (await get("/jobs?limit=200")).body.items.length;
    const { ctx } = await services();
    ctx.store.resetOpCounts();
    const bad = await hook("issues", labeled(repo, number), "not-the-secret-0123456789");
    expect(bad.status).toBe(401);
    // refused before anything is read or written: no store write (a factory's heartbeat meanwhile would be one, hence the filter)
    const written = Object.keys(ctx.store.opCounts()).filter((m) => !/^(get|list|find|read|count|last)/.test(m) && !/heartbeat|claim|lease/i.test(m));
    expect(written).toEqual([]);
    const bot = await hook("issues", labeled(repo, number, "agent:run", "gigafactory-bot"));
    expect(bot.status).toBe(202);
    const other = await hook("issues", labeled(repo, number, "bug"));
    expect(other.status).toBe(202);
    expect((await get("/jobs?limit=200")).body.items.length).toBe(jobsBefore);
    expect(fleet.gh.issues.get("acme", repo, number).comments).toEqual([]);
  }, 30_000);

  it("a malformed manifest block gets one comment naming the field and no job", async () => {
    const { repo, number } = issueOn(["Do it.", "", "```yaml", "engine: nowhere", "priorty: high", "```", ""].join("\n"));
    const jobsBefore = (await get("/jobs?limit=200")).body.items.length;
    const r = await hook("issues", labeled(repo, number));
    expect(r.status).toBe(200);
    expect(r.body.tracker.outcome).toBe("invalid");
    expect(r.body.tracker.errors[0].path).toContain("priorty");
    // labelled again (another delivery): still one comment
    expect((await hook("issues", labeled(repo, number))).body.tracker.outcome).toBe("invalid");
    const issue = fleet.gh.issues.get("acme", repo, number);
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0]!.body).toContain("priorty");
    expect(issue.comments[0]!.body).toMatch(/did you mean `?priority/);
    expect((await get("/jobs?limit=200")).body.items.length).toBe(jobsBefore);
  }, 30_000);

  it("an edit before the job starts replaces the queued job; a replayed delivery changes nothing", async () => {
    // engine `nowhere`: no factory runs it, so the job stays queued
    const body = FAKE.replace("engine: fake", "engine: nowhere");
    const { repo, number } = issueOn(body);
    const first = await hook("issues", labeled(repo, number));
    const oldId = first.body.tracker.jobId as string;
    expect((await get(`/jobs/${oldId}`)).body.stage).toBe("queued");
    const issue = fleet.gh.issues.get("acme", repo, number);
    issue.body = body.replace("Please add b.", "Please add b, and make it bold.");
    const edited = { action: "edited", changes: { body: { from: body } }, ...fleet.gh.issues.payload("acme", repo, number, fleet.gh.url), sender: { login: "alice", type: "User" } };
    const w = signedWebhook(SECRET, "issues", "edit-1", edited);
    const send = () => fetch(`${fleet.api}/webhooks/github`, { method: "POST", headers: w.headers, body: w.body }).then(async (x): Promise<Answer> => ({ status: x.status, body: await x.json() }));
    const r = await send();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.tracker.outcome).toBe("created");
    const newId = r.body.tracker.jobId as string;
    expect(newId).not.toBe(oldId);
    expect((await get(`/jobs/${oldId}`)).body.stage).toBe("cancelled");
    const fresh = (await get(`/jobs/${newId}`)).body;
    expect(fresh.stage).toBe("queued");
    expect(fresh.body).toContain("make it bold");
    // the replaced job's comment no longer says it is queued; the new job has its own, and the label
    const heard = fleet.gh.issues.get("acme", repo, number);
    expect(heard.comments.map((c) => [c.body.includes(oldId), c.body.includes(newId)])).toEqual([[true, false], [false, true]]);
    expect(heard.comments[0]!.body).toContain("Cancelled");
    expect(heard.comments[0]!.body).not.toContain("Queued");
    expect(heard.comments[1]!.body).toContain("Queued");
    expect(heard.labels.filter((l) => l.startsWith("agent:"))).toEqual(["agent:run", "agent:queued"]);
    const replay = await send();
    expect(replay.body).toMatchObject({ duplicate: true });
  }, 30_000);
});
