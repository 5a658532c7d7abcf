/**
 * Issue 15 items 3 and 4 end to end: the control plane in process (its real route handlers over
 * HTTP, SQLite) with GITHUB_API_URL on the GitHub double (every API request and answer checked
 * against GitHub's OpenAPI description), and a real fleet-agent (the built bundle) that clones from
 * and pushes to the double's own git (a bare repository behind git http-backend, the token as the
 * basic-auth password). A pushed job gets its pull request (a draft when verify fails); Ship merges
 * it and the bare repository's main is the merge SHA; Ship is refused with the reason while checks
 * fail or reviews are missing; a PR merged or closed on the forge moves the job (webhook's
 * refreshPullRequest, and the poll).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobEventsRoute from "@/app/api/fleet/jobs/[id]/events/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as eventsRoute from "@/app/api/fleet/leases/[id]/events/route";
import * as renewRoute from "@/app/api/fleet/leases/[id]/renew/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { pollPullRequests, refreshPullRequest } from "@/server/coordinator/pull-requests";
import { services } from "@/server/wiring";
import { submitJob } from "../harness/factory";
import { githubFleet } from "../harness/github-fleet";
import { until } from "../harness/until";

const fleet = githubFleet({
  settings: { FLEET_GITHUB_MERGE_METHOD: "squash" },
  routes: [factoriesRoute, heartbeatRoute, jobsRoute, jobRoute, jobEventsRoute, actionsRoute, claimRoute, renewRoute, eventsRoute, completeRoute],
  agent: "gh-1",
});
const { get, act } = fleet;
const git = (dir: string, ...a: string[]) => execFileSync("git", a, { cwd: dir, encoding: "utf8" }).trim();

let n = 0;
/** A git-backed repository on the double and a job on it whose agent writes and commits one file. */
async function jobOn(opts: { verify?: string; requiredChecks?: string[]; requiredApprovals?: number; reviewPolicy?: string } = {}) {
  const repo = `shop-${++n}`;
  fleet.gh.addRepo("acme", repo, { git: true, ...(opts.requiredChecks ? { requiredChecks: opts.requiredChecks } : {}), ...(opts.requiredApprovals ? { requiredApprovals: opts.requiredApprovals } : {}) });
  const text = [
    "---",
    "engine: fake",
    `repo: ${JSON.stringify(fleet.gh.cloneUrl("acme", repo))}`,
    `verify: ${JSON.stringify(opts.verify ?? "test -f b.txt")}`,
    ...(opts.reviewPolicy ? [`review-policy: ${opts.reviewPolicy}`] : []),
    "---",
    `# Add the b file ${n}`,
    "",
    "fake: write b.txt=b",
    "fake: commit add b",
    "",
  ].join("\n");
  const job = await submitJob(fleet.app.url, fleet.app.adminToken, text);
  return { id: job.id, repo, bare: fleet.gh.barePath("acme", repo) };
}

async function withPr(id: string, stage: string) {
  return until(
    () => get(`/jobs/${id}`).then((r) => r.body),
    (j) => j.stage === stage && j.delivery?.pr !== undefined,
    `job ${id} reaches ${stage} with a pull request`,
  );
}

const eventTypes = async (id: string) => ((await get(`/jobs/${id}/events?limit=500`)).body.items as { type: string; data: Record<string, unknown> }[]);

describe.skipIf(process.platform === "win32")("the GitHub pull-request lifecycle", () => {
  it("a pushed job gets its PR; Ship merges it (squash) and the bare repository's main is the merge SHA", async () => {
    const { id, repo, bare } = await jobOn();
    const job = await withPr(id, "testing");
    const headSha = job.delivery.headSha as string;
    expect(job.delivery).toMatchObject({ mode: "pr", lastPushed: headSha, shipLabel: "Merge PR #1 (squash)" });
    expect(job.delivery.pr).toMatchObject({ forge: "github", owner: "acme", repo, number: 1, state: "open", draft: false, headSha, checks: "none", review: "none", mergeable: true });
    expect(fleet.gh.branchSha("acme", repo, job.delivery.branch)).toBe(headSha);
    const opened = fleet.gh.pullFor("acme", repo, job.delivery.branch)!;
    expect(opened).toMatchObject({ number: 1, base: "main", draft: false, title: `Add the b file ${n}` });
    for (const part of [`Delivered by Gigafactory job [${id}]`, "✅ passed", "| Engine | fake |", "| Factory | gh-1 |", "1 file changed", `/jobs/${id})`]) expect(opened.body).toContain(part);
    // The agent pushed with the token as its basic-auth password; the API saw it only as Authorization.
    expect(fleet.gh.gitRequests.some((r) => r.path.endsWith("/git-receive-pack") && r.user === "x-access-token")).toBe(true);

    const mainBefore = git(bare, "rev-parse", "main");
    const shipped = await act(id, { action: "ship" });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body.stage).toBe("shipped");
    const mergeSha = shipped.body.delivery.mergeSha as string;
    expect(mergeSha).toMatch(/^[0-9a-f]{40}$/);
    expect(shipped.body.delivery.pr).toMatchObject({ state: "merged", mergeSha });
    // A real squash: one new commit on main, parent the old main, with the job's file.
    expect(git(bare, "rev-parse", "main")).toBe(mergeSha);
    expect(git(bare, "rev-parse", `${mergeSha}^`)).toBe(mainBefore);
    expect(git(bare, "show", `${mergeSha}:b.txt`)).toBe("b");
    expect(git(bare, "log", "-1", "--format=%s", mergeSha)).toBe(`Add the b file ${n} (#1)`);
    const events = await eventTypes(id);
    expect(events.find((e) => e.type === "delivery:pr_opened")!.data).toMatchObject({ number: 1, draft: false, adopted: false, headSha });
    expect(events.find((e) => e.type === "delivery:merged")!.data).toMatchObject({ pr: 1, mergeSha, method: "squash" });
  }, 60_000);

  it("verify fails: the PR is opened as a draft", async () => {
    const { id, repo } = await jobOn({ verify: "false" });
    const job = await withPr(id, "failed");
    expect(job.delivery.pr).toMatchObject({ number: 1, state: "open", draft: true });
    const opened = fleet.gh.pullFor("acme", repo, job.delivery.branch)!;
    expect(opened.draft).toBe(true);
    expect(opened.body).toContain("❌ failed");
  }, 60_000);

  it("Ship is refused 409 with the reason while checks fail (nothing merged, the reason kept on the PR), and merges once they pass", async () => {
    const { id, repo, bare } = await jobOn({ requiredChecks: ["ci"] });
    const job = await withPr(id, "testing");
    const head = job.delivery.headSha as string;
    fleet.gh.setChecks("acme", repo, head, [{ name: "ci", status: "completed", conclusion: "failure" }]);
    const main = git(bare, "rev-parse", "main");

    const refused = await act(id, { action: "ship" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ reason: "checks_failing", stage: "testing" });
    expect(refused.body.detail ?? refused.body.title).toMatch(/checks are failing on PR #1/);
    expect(git(bare, "rev-parse", "main")).toBe(main);
    const after = (await get(`/jobs/${id}`)).body;
    expect(after.stage).toBe("testing");
    expect(after.delivery.pr).toMatchObject({ checks: "failing", error: { reason: "checks_failing" } });
    expect(after.delivery.mergeSha).toBeUndefined();

    fleet.gh.setChecks("acme", repo, head, [{ name: "ci", status: "in_progress" }]);
    expect((await act(id, { action: "ship" })).body).toMatchObject({ reason: "checks_pending" });

    fleet.gh.setChecks("acme", repo, head, [{ name: "ci", status: "completed", conclusion: "success" }]);
    const shipped = await act(id, { action: "ship" });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(git(bare, "rev-parse", "main")).toBe(shipped.body.delivery.mergeSha);
    expect(shipped.body.delivery.pr.error).toBeUndefined();
  }, 60_000);

  it("a forge refusal is the reason too: reviews missing (branch protection) until a reviewer approves", async () => {
    const { id, repo, bare } = await jobOn({ requiredApprovals: 1 });
    await withPr(id, "testing");
    const refused = await act(id, { action: "ship" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ reason: "reviews_missing" });
    fleet.gh.approve("acme", repo, 1, "alice");
    const shipped = await act(id, { action: "ship" });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body.delivery.pr.review).toBe("approved");
    expect(git(bare, "rev-parse", "main")).toBe(shipped.body.delivery.mergeSha);
  }, 60_000);

  it("review-policy auto: the PR is opened, not merged while its checks run, and merged by the coordinator once they pass", async () => {
    const ctx = (await services()).ctx;
    const { id, repo, bare } = await jobOn({ requiredChecks: ["ci"], reviewPolicy: "auto" });
    const job = await withPr(id, "testing");
    const head = job.delivery.headSha as string;
    const main = git(bare, "rev-parse", "main");
    fleet.gh.setChecks("acme", repo, head, [{ name: "ci", status: "in_progress" }]);
    expect(await refreshPullRequest(ctx, { owner: "acme", repo, number: 1 })).toMatchObject({ stage: "testing", delivery: { pr: { state: "open", checks: "pending" } } });
    expect(git(bare, "rev-parse", "main")).toBe(main);

    fleet.gh.setChecks("acme", repo, head, [{ name: "ci", status: "completed", conclusion: "success" }]);
    const merged = await refreshPullRequest(ctx, { owner: "acme", repo, number: 1 });
    expect(merged).toMatchObject({ stage: "shipped", delivery: { pr: { state: "merged" } } });
    const mergeSha = merged!.delivery!.mergeSha!;
    expect(git(bare, "rev-parse", "main")).toBe(mergeSha);
    expect(git(bare, "show", `${mergeSha}:b.txt`)).toBe("b");
    expect((await eventTypes(id)).find((e) => e.type === "delivery:merged")!.data).toMatchObject({ pr: 1, mergeSha, by: "review-policy:auto" });
  }, 60_000);

  it("a PR merged on the forge ships the job (refreshPullRequest, as the webhook calls it); one closed there cancels it (the poll)", async () => {
    const ctx = (await services()).ctx;
    const a = await jobOn();
    const ja = await withPr(a.id, "testing");
    const sha = fleet.gh.mergeOnForge("acme", a.repo, 1, "merge");
    expect(git(a.bare, "rev-parse", "main")).toBe(sha);
    expect(await refreshPullRequest(ctx, { owner: "nobody", repo: a.repo, number: 1 })).toBeUndefined();
    const moved = await refreshPullRequest(ctx, { owner: "acme", repo: a.repo, number: 1 });
    expect(moved).toMatchObject({ stage: "shipped", delivery: { mergeSha: sha, pr: { state: "merged", mergeSha: sha } } });
    expect(ja.delivery.headSha).toBe(moved!.delivery!.headSha);
    expect((await eventTypes(a.id)).map((e) => e.type)).toEqual(expect.arrayContaining(["delivery:pr_changed", "delivery:merged"]));

    const b = await jobOn();
    await withPr(b.id, "testing");
    fleet.gh.closePr("acme", b.repo, 1);
    // The poll reads PRs not read for a poll period: a context an hour on.
    const later = { ...ctx, now: () => Date.now() + 2 * 3_600_000 };
    const polled = await pollPullRequests(later);
    expect(polled.refreshed).toBeGreaterThanOrEqual(1);
    const cancelled = (await get(`/jobs/${b.id}`)).body;
    expect(cancelled.stage).toBe("cancelled");
    expect(cancelled.delivery.pr.state).toBe("closed");
  }, 90_000);
});
