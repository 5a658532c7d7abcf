import { sign } from "@octokit/webhooks-methods";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobEventsRoute from "@/app/api/fleet/jobs/[id]/events/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import { startGithubDouble, type GithubDouble } from "../harness/github-double";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * The webhook drives the review loop, over real HTTP: the app's handlers in process (SQLite) with
 * GITHUB_API_URL on the GitHub double (every request and answer checked against GitHub's OpenAPI
 * description). A job's branch is pushed and its PR opened; the PR's checks fail on GitHub; a
 * signed check_suite delivery makes the coordinator read the PR again, which queues one follow-up
 * on the branch. The same delivery replayed answers `duplicate` and changes nothing; another
 * delivery about the same state refreshes the PR but queues nothing more; a review requesting
 * changes while the follow-up is still queued is recorded as refused, with why.
 */
const SECRET = "whsec-review-loop-test";
let gh: GithubDouble;
let app: InProcessApp;
let api: string;
let f: FactoryClient;
let f2: FactoryClient;

beforeAll(async () => {
  gh = await startGithubDouble();
  app = await startInProcess(
    { GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url, GITHUB_WEBHOOK_SECRET: SECRET, FLEET_GITHUB_POLL_MS: "3600000" },
    [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, jobEventsRoute, claimRoute, completeRoute, webhookRoute],
  );
  api = `${app.url}/api/fleet`;
  // One factory per test's repository (its follow-ups need the same pool), so a test claims only its own jobs.
  f = await registerFactory(app.url, app.enrollmentToken, { name: "wh-1", capabilities: ["os:linux", "pool:shop"] });
  f2 = await registerFactory(app.url, app.enrollmentToken, { name: "wh-2", capabilities: ["os:linux", "pool:cart"] });
  expect((await f.heartbeat()).status).toBe(200);
  expect((await f2.heartbeat()).status).toBe(200);
}, 60_000);
afterEach(() => {
  expect(gh.problems.splice(0)).toEqual([]);
});
afterAll(async () => {
  await app?.stop();
  await gh?.close();
});

const get = (p: string) => call(`${api}${p}`, { token: app.adminToken });
const typesOf = async (id: string) => ((await get(`/jobs/${id}/events?limit=500`)).body.items as { type: string; data: Record<string, unknown> }[]);

async function deliver(event: string, id: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return call(`${api}/webhooks/github`, {
    body,
    contentType: "application/json",
    headers: { "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, body) },
  });
}

it("check_suite failing → one follow-up; the replay and the same state again change nothing; a review meanwhile is refused with why", async () => {
  gh.addRepo("acme", "shop");
  const head = "1".repeat(40);
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "Add the b file", manifest: { repo: JSON.stringify(gh.cloneUrl("acme", "shop")), delivery: "pr", retry: "{ max: 1 }", capabilities: "[pool:shop]" } }));
  const c = await f.claim({ waitMs: 2000 });
  expect(c.body.lease.jobId).toBe(job.id);
  const branch = c.body.delivery.branch as string;
  gh.pushTo("acme", "shop", branch, head);
  await f.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "succeeded", exitCode: 0, delivery: { branch, headSha: head, pushed: true } });
  const opened = (await get(`/jobs/${job.id}`)).body;
  expect(opened).toMatchObject({ stage: "review", delivery: { pr: { number: 1, state: "open", checks: "none", headSha: head } } });

  gh.setChecks("acme", "shop", head, [
    { name: "unit tests", status: "completed", conclusion: "failure", output: { title: "2 tests failed", summary: "cart.test.ts: expected 3, got 2\ntax.test.ts: timeout\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } },
    { name: "lint", status: "completed", conclusion: "success" },
  ]);
  const suite = { action: "completed", check_suite: { head_sha: head, conclusion: "failure", pull_requests: [{ number: 1 }] }, repository: { name: "shop", owner: { login: "acme" } } };
  const r = await deliver("check_suite", "suite-1", suite);
  expect([r.status, r.body]).toEqual([200, { delivery: "suite-1", event: "check_suite", refreshed: ["acme/shop#1"] }]);
  const after = (await get(`/jobs/${job.id}`)).body;
  expect(after.delivery.pr.checks).toBe("failing");
  expect(after.delivery.followUps).toHaveLength(1);
  const followUp = (await get(`/jobs/${after.delivery.followUps[0]}`)).body;
  expect(followUp).toMatchObject({ stage: "queued", followUpOf: { of: job.id, reason: "checks_failed", round: 1 }, delivery: { mode: "branch", branch, lastPushed: head } });
  // The failing run's name, conclusion and output are in the prompt (read from GitHub), the passing one is not.
  expect(followUp.body).toContain(`fail on ${head}:\n- unit tests: failure (2 tests failed)\n> cart.test.ts: expected 3, got 2\n> tax.test.ts: timeout`);
  expect(followUp.body).not.toContain("- lint");
  // A secret a CI log printed is redacted before the prompt is stored.
  expect(followUp.body).not.toContain("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

  // The same delivery again (GitHub's redelivery, or a captured request replayed): nothing changes.
  const replay = await deliver("check_suite", "suite-1", suite);
  expect([replay.status, replay.body]).toEqual([200, { delivery: "suite-1", duplicate: true }]);
  expect((await get(`/jobs/${job.id}`)).body).toEqual(after);

  // Another delivery about the same state (a check_run of the same suite): read again, nothing queued.
  const run = await deliver("check_run", "run-1", { action: "completed", check_run: { head_sha: head, name: "unit tests", pull_requests: [{ number: 1 }] }, repository: { name: "shop", owner: { login: "acme" } } });
  expect(run.body.refreshed).toEqual(["acme/shop#1"]);
  expect((await get(`/jobs/${job.id}`)).body.delivery.followUps).toEqual(after.delivery.followUps);
  expect((await get("/jobs?limit=50")).body.items).toHaveLength(2);

  // A reviewer requests changes while the follow-up is still queued: recorded as refused, with why.
  gh.requestChanges("acme", "shop", 1, "Please also update the docs", "bob");
  const review = await deliver("pull_request_review", "review-1", { action: "submitted", review: { state: "changes_requested" }, pull_request: { number: 1, head: { sha: head } }, repository: { name: "shop", owner: { login: "acme" } } });
  expect(review.body.refreshed).toEqual(["acme/shop#1"]);
  const events = await typesOf(job.id);
  expect(events.filter((e) => e.type === "review:follow_up_queued")).toHaveLength(1);
  expect(events.filter((e) => e.type === "review:follow_up_refused").map((e) => e.data)).toEqual([
    { reason: "changes_requested", round: 2, headSha: head, why: expect.stringMatching(/follow-up .* is still queued/) },
  ]);
}, 60_000);

it("a review requesting changes queues a follow-up with the reviewer's words", async () => {
  gh.addRepo("acme", "cart");
  const head = "2".repeat(40);
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "Add the cart", manifest: { repo: JSON.stringify(gh.cloneUrl("acme", "cart")), delivery: "pr", retry: "{ max: 1 }", capabilities: "[pool:cart]" } }));
  const c = await f2.claim({ waitMs: 2000 });
  expect(c.body.lease.jobId).toBe(job.id);
  gh.pushTo("acme", "cart", c.body.delivery.branch, head);
  await f2.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "succeeded", exitCode: 0, delivery: { branch: c.body.delivery.branch, headSha: head, pushed: true } });
  gh.requestChanges("acme", "cart", 1, "Use integer cents, not floats.\nAnd name it Money.", "carol");
  const r = await deliver("pull_request_review", "review-2", { action: "submitted", review: { state: "changes_requested" }, pull_request: { number: 1, head: { sha: head } }, repository: { name: "cart", owner: { login: "acme" } } });
  expect(r.body.refreshed).toEqual(["acme/cart#1"]);
  const after = (await get(`/jobs/${job.id}`)).body;
  expect(after.delivery.pr.review).toBe("changes_requested");
  const followUp = (await get(`/jobs/${after.delivery.followUps[0]}`)).body;
  expect(followUp.followUpOf).toEqual({ of: job.id, reason: "changes_requested", round: 1 });
  expect(followUp.body).toContain("carol requested changes:\n> Use integer cents, not floats.\n> And name it Money.");
}, 60_000);
