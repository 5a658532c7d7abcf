/**
 * The tracker poller (the fallback where no webhook can be installed) against the GitHub double
 * over real HTTP, every request and answer checked against @octokit/openapi; the double answers
 * conditional requests as GitHub does (ETag on a 200, 304 with no body when If-None-Match matches)
 * and honours `since`. The poll step is driven directly with the coordinator's clock moved on
 * (the sweeper is parked), so nothing waits on time:
 *   - an unchanged repository costs one 304 a round and imports nothing;
 *   - a newly labelled issue is imported once;
 *   - an issue edited before its job starts replaces the queued job (the poller sees no "edited"
 *     event: the intake finds the item's jobs by id);
 *   - an issue edited while its job runs leaves the job on the old text, and the job's ONE comment
 *     says so (re-label to re-run) — by the poller and by the `issues.edited` webhook alike;
 *   - a rate-limited answer (403 + x-ratelimit-reset, 429 + retry-after) parks that scope until
 *     the tracker's reset, while another scope is still polled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as webhookRoute from "@/app/api/fleet/webhooks/github/route";
import type { CoordinatorContext } from "@/server/coordinator/context";
import { afterMove, moveJob } from "@/server/coordinator/move-job";
import { trackerPollStep } from "@/server/coordinator/tracker-poll";
import type { JobRecord } from "@/server/store/records";
import { services } from "@/server/wiring";
import { startGithubDouble, type GithubDouble } from "../harness/github-double";
import { signedWebhook } from "../harness/github-double-issues";
import { startInProcess, type InProcessApp } from "../harness/in-process";

const SECRET = "webhook-secret-poll-0123456789ab";
const POLL_MS = 60_000;
let gh: GithubDouble;
let app: InProcessApp;
let ctx: CoordinatorContext;
/** the coordinator's clock as the poll step sees it: moved on explicitly, never waited for */
let clock = Date.now();

beforeAll(async () => {
  gh = await startGithubDouble();
  for (const repo of ["limited", "quiet", "edits", "other"]) gh.addRepo("acme", repo);
  app = await startInProcess(
    {
      GITHUB_TOKEN: gh.token,
      GITHUB_API_URL: gh.url,
      GITHUB_WEBHOOK_SECRET: SECRET,
      FLEET_TRACKER_BOT: "gigafactory-bot",
      // `limited` first: a rate-limit answer queued on the double meets its list
      FLEET_TRACKER_POLL_REPOS: "acme/limited,acme/quiet,acme/edits,acme/other",
      FLEET_TRACKER_POLL_MS: String(POLL_MS),
      FLEET_GITHUB_POLL_MS: "3600000",
      // the sweeper would poll on its own: parked, the test drives each round
      FLEET_SWEEP_MS: "3600000",
    },
    [webhookRoute],
  );
  ctx = (await services()).ctx;
});
afterEach(() => {
  expect(gh.problems.splice(0)).toEqual([]);
});
afterAll(async () => {
  await app?.stop();
  await gh?.close();
});

/** One poll round, the clock moved past the poll period (or to `at`); returns what it imported and the requests it made. */
async function round(at?: number): Promise<{ imported: number; requests: { method: string; path: string }[] }> {
  clock = at ?? clock + POLL_MS + 1;
  const before = gh.requests.length;
  const imported = await trackerPollStep({ ...ctx, now: () => clock });
  return { imported, requests: gh.requests.slice(before).map(({ method, path }) => ({ method, path })) };
}
const lists = (rs: { method: string; path: string }[], repo: string) => rs.filter((r) => r.method === "GET" && r.path === `/repos/acme/${repo}/issues`);
async function jobsOf(repo: string, number: number): Promise<JobRecord[]> {
  const page = await ctx.store.listJobs({ trackerItem: `github:acme/${repo}#${number}` }, undefined, 100);
  return page.items.filter((j) => j.manifest["tracker-item"] === `github:acme/${repo}#${number}`);
}
/** rounds until the scope answers 304 (the write-back's own label changes move updated_at once or twice first) */
async function settle(repo: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await round();
    if (ctx.tracker!.poll.get(`acme/${repo}`)?.notModified) return;
  }
  throw new Error(`acme/${repo} never answered 304: ${JSON.stringify(ctx.tracker!.poll.get(`acme/${repo}`))}`);
}

describe("the tracker poller against the GitHub double", () => {
  it("an unchanged repository costs a 304 and imports nothing; a newly labelled issue is imported once", async () => {
    const labelled = gh.issues.create("acme", "quiet", { title: "Polled one", body: "Do the polled thing.", labels: ["agent:run"] });
    const later = gh.issues.create("acme", "quiet", { title: "Not yet", body: "Later.", labels: ["bug"] });

    const first = await round();
    expect(first.imported).toBeGreaterThanOrEqual(1);
    const [job] = await jobsOf("quiet", labelled.number);
    expect(job).toMatchObject({ stage: "queued", title: "Polled one" });
    expect(await jobsOf("quiet", later.number)).toEqual([]);
    // the job's write-back reached the issue (and moved its updated_at: the next lists see it again, as GitHub's inclusive since does)
    expect(gh.issues.get("acme", "quiet", labelled.number).labels).toContain("agent:queued");

    await settle("quiet");
    // steady: one conditional request, answered 304, nothing imported, the cursor kept
    const cursor = ctx.tracker!.poll.get("acme/quiet")!.cursor;
    const quiet = await round();
    expect(lists(quiet.requests, "quiet")).toHaveLength(1);
    expect(quiet.requests.filter((r) => r.path.includes("/acme/quiet/"))).toEqual(lists(quiet.requests, "quiet"));
    expect(ctx.tracker!.poll.get("acme/quiet")).toMatchObject({ notModified: true, cursor });
    expect(quiet.imported).toBe(0);
    expect(await jobsOf("quiet", labelled.number)).toHaveLength(1);

    // labelled later: the next round sees it (updated since the cursor) and imports it, once
    gh.issues.edit("acme", "quiet", later.number, { labels: ["bug", "agent:run"] });
    const picked = await round();
    expect(picked.imported).toBe(1);
    for (let i = 0; i < 3; i++) expect((await round()).imported).toBe(0);
    const laterJobs = await jobsOf("quiet", later.number);
    expect(laterJobs.map((j) => j.stage)).toEqual(["queued"]);
    expect(await jobsOf("quiet", labelled.number)).toHaveLength(1);
  });

  it("an issue edited before its job starts replaces the queued job; one edited while running leaves the job on the old text and its one comment says so", async () => {
    const issue = gh.issues.create("acme", "edits", { title: "Edit me", body: "The first text.", labels: ["agent:run"] });
    await round();
    const [old] = await jobsOf("edits", issue.number);
    expect(old).toMatchObject({ stage: "queued" });
    expect(old!.body).toContain("The first text.");

    gh.issues.edit("acme", "edits", issue.number, { body: "The second text." });
    const edited = await round();
    expect(edited.imported).toBe(1);
    const after = await jobsOf("edits", issue.number);
    expect(after).toHaveLength(2);
    const fresh = after.find((j) => j.id !== old!.id)!;
    expect((await ctx.store.getJob(old!.id))!.stage).toBe("cancelled");
    expect(fresh.stage).toBe("queued");
    expect(fresh.body).toContain("The second text.");
    await settle("edits");
    expect((await jobsOf("edits", issue.number)).filter((j) => j.stage === "queued").map((j) => j.id)).toEqual([fresh.id]);

    // the new job starts building (a factory's claim, then the engine), then the issue is edited again
    const grant = await ctx.store.claimJob({ jobId: fresh.id, factoryId: "mac-1", engine: "claude", leaseId: "lease-poll-1", ttlMs: 3_600_000, now: ctx.now() });
    expect(grant).not.toBeNull();
    await afterMove(ctx, grant!.job, { from: "queued", cause: "claimed by a factory" });
    await moveJob(ctx, grant!.job, "building", { by: "test", cause: "the engine started" });
    const commentsBefore = gh.issues.get("acme", "edits", issue.number).comments.map((c) => c.id);

    gh.issues.edit("acme", "edits", issue.number, { body: "The third text." });
    const whileRunning = await round();
    expect(whileRunning.imported).toBe(0);
    const running = (await ctx.store.getJob(fresh.id))!;
    expect(running.stage).toBe("building");
    expect(running.body).toContain("The second text.");
    expect((await jobsOf("edits", issue.number)).filter((j) => j.stage === "queued")).toEqual([]);
    const comments = gh.issues.get("acme", "edits", issue.number).comments;
    // the running job's one comment, edited in place, says it goes on with the old text and how to re-run
    expect(comments.map((c) => c.id)).toEqual(commentsBefore);
    const mine = comments.find((c) => c.body.includes(fresh.id))!;
    expect(mine.body).toContain("continues on the text it started with");
    expect(mine.body).toContain("Re-label the issue `agent:run`");

    // the webhook's edit (with the previous text GitHub sends in changes.body.from) says the same, without a second comment
    const from = gh.issues.get("acme", "edits", issue.number).body;
    gh.issues.edit("acme", "edits", issue.number, { body: "The fourth text." });
    const payload = { action: "edited", changes: { body: { from } }, ...gh.issues.payload("acme", "edits", issue.number, gh.url), sender: { login: "alice", type: "User" } };
    // the job was made of the second text: the previous text named here is the third, so the intake finds it by id
    const w = signedWebhook(SECRET, "issues", "poll-edit-1", payload);
    const r = await fetch(`${app.url}/api/fleet/webhooks/github`, { method: "POST", headers: w.headers, body: w.body });
    const answer = (await r.json()) as { tracker?: { outcome: string; jobId?: string } };
    expect(r.status, JSON.stringify(answer)).toBe(200);
    expect(answer.tracker).toEqual({ outcome: "existing", jobId: fresh.id });
    expect((await ctx.store.getJob(fresh.id))!.stage).toBe("building");
    expect((await jobsOf("edits", issue.number)).filter((j) => j.stage === "queued")).toEqual([]);
    expect(gh.issues.get("acme", "edits", issue.number).comments.map((c) => c.id)).toEqual(commentsBefore);
  });

  it("a rate-limited answer parks that scope until the tracker's reset (403 + x-ratelimit-reset, 429 + retry-after); other scopes go on", async () => {
    gh.issues.create("acme", "limited", { title: "Behind the limit", body: "Wait for it.", labels: ["agent:run"] });
    const otherIssue = gh.issues.create("acme", "other", { title: "Not limited", body: "Go.", labels: ["agent:run"] });
    await settle("limited");
    await settle("other");

    // GitHub's primary limit: 403, x-ratelimit-remaining 0, reset in (epoch) seconds, two poll periods away
    const resetAt = Math.ceil((clock + 2 * POLL_MS + 5_000) / 1000);
    gh.issues.rateLimit(1, { status: 403, resetAt });
    // the next round lists the scopes in order: the limited one (first) meets the 403
    const hit = await round();
    expect(lists(hit.requests, "limited")).toHaveLength(1);
    const st = ctx.tracker!.poll.get("acme/limited")!;
    expect(st.retryAt).toBe(resetAt * 1000);
    expect(st.lastError).toMatch(/^rate_limited/);

    // a period later (still before the reset): the limited scope is not asked at all, the other one is
    gh.issues.edit("acme", "other", otherIssue.number, { title: "Not limited, edited" });
    const parked = await round();
    expect(lists(parked.requests, "limited")).toEqual([]);
    expect(lists(parked.requests, "other")).toHaveLength(1);
    expect(parked.imported).toBe(1);

    // past the reset: asked again, and the error is gone
    const back = await round(resetAt * 1000 + 1);
    expect(lists(back.requests, "limited")).toHaveLength(1);
    expect(ctx.tracker!.poll.get("acme/limited")!.lastError).toBeUndefined();
    expect(ctx.tracker!.poll.get("acme/limited")!.retryAt).toBeUndefined();

    // the secondary limit: 429 with retry-after (seconds from now, the tracker's clock)
    const asked = Date.now();
    gh.issues.rateLimit(1, { status: 429, retryAfter: 7_200 });
    await round();
    const st2 = ctx.tracker!.poll.get("acme/limited")!;
    expect(st2.lastError).toMatch(/^rate_limited/);
    expect(st2.retryAt).toBeGreaterThanOrEqual(asked + 7_200_000);
    expect(st2.retryAt).toBeLessThanOrEqual(Date.now() + 7_200_000);
    const stillParked = await round(Math.max(clock + POLL_MS + 1, st2.retryAt! - 1));
    expect(lists(stillParked.requests, "limited")).toEqual([]);
    expect(lists(stillParked.requests, "quiet")).toHaveLength(1);
    const resumed = await round(st2.retryAt! + POLL_MS);
    expect(lists(resumed.requests, "limited")).toHaveLength(1);
    expect(ctx.tracker!.poll.get("acme/limited")!.lastError).toBeUndefined();
  });
});
