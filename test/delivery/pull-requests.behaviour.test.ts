import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { actOnJob } from "@/server/coordinator/actions";
import { getJob } from "@/server/coordinator/jobs";
import { scenario, type Scenario } from "@/server/coordinator/policies/scenario-harness";
import { gateOf, pollPullRequests, refreshPullRequest } from "@/server/coordinator/pull-requests";
import { isFleetError } from "@/server/errors";
import { forgeConfig } from "@/server/forge";
import { githubAdapter } from "@/server/forge/github/adapter";
import { githubForge } from "@/server/forge/github/client";
import type { JobDelivery, PullRequestRecord } from "@/server/store/records";
import { forEachProvider } from "@/server/store/testing";
import { startGithubDouble, type GithubDouble } from "@/test/harness/github-double";

/**
 * The coordinator's pull-request code against the GitHub double (every request and answer checked
 * against GitHub's OpenAPI description), on both store providers, with the agent's completion
 * reports written by hand (the git side is test/delivery/github-pr.test.ts): a failed open is an
 * event and the poll opens it later; a PR for the branch opened before is adopted; the poll reads
 * stale PRs only; Ship's refusals write nothing but the reason; a refused Ship leaves main alone.
 */
let gh: GithubDouble;
beforeAll(async () => {
  gh = await startGithubDouble();
});
afterAll(async () => gh.close());
afterEach(() => {
  expect(gh.problems.splice(0)).toEqual([]);
});

const op = { id: "op@example.com", role: "operator" as const };
const POLL_MS = 60_000;
let n = 0;

function withForge(s: Scenario): void {
  s.ctx.forge = forgeConfig({ githubApiUrl: gh.url, adapters: [githubAdapter({ token: gh.token, apiUrl: gh.url, mergeMethod: "merge" })], pollMs: POLL_MS, publicUrl: "https://fleet.example" });
}

/** A job on a fresh repository of the double, run to testing with its branch "pushed" (the double's branch set to the head). */
async function pushedJob(s: Scenario, opts: { before?: (repo: string, branch: string) => Promise<void> } = {}) {
  const repo = `r-${++n}`;
  gh.addRepo("acme", repo, { branches: { main: "b".repeat(40) } });
  const job = await s.submit({ repo: `${gh.url}/acme/${repo}.git`, "base-branch": "main", verify: "true" }, `Job ${n}`);
  const agent = await s.factory();
  const lease = (await agent.claim())!;
  const branch = (await getJob(s.ctx, job.id)).delivery!.branch;
  const head = `${n}`.padStart(40, "c");
  gh.pushTo("acme", repo, branch, head);
  await opts.before?.(repo, branch);
  await agent.complete(lease, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "" }, delivery: { branch, headSha: head, pushed: true } });
  return { id: job.id, repo, branch, head };
}

const types = async (s: Scenario, id: string) => (await s.ctx.store.readEvents(id, 0, 500)).map((e) => e.type);

forEachProvider(({ newStore }) => {
  it("a refused open is an event (no PR record); the poll opens it once a poll period has passed", async () => {
    const s = scenario(await newStore());
    withForge(s);
    gh.answerNext({ status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } });
    const j = await pushedJob(s);
    const waiting = await s.ctx.store.getJob(j.id);
    expect(waiting!.stage).toBe("testing");
    expect(waiting!.delivery!.pr).toBeUndefined();
    const failed = (await s.ctx.store.readEvents(j.id, 0, 500)).find((e) => e.type === "delivery:pr_failed");
    expect(failed?.data).toMatchObject({ action: "open", reason: "forbidden", branch: j.branch });
    // Not yet: the failure was just recorded.
    expect(await pollPullRequests(s.ctx)).toEqual({ opened: 0, refreshed: 0 });
    s.clock.advance(POLL_MS);
    expect(await pollPullRequests(s.ctx)).toEqual({ opened: 1, refreshed: 0 });
    const opened = await getJob(s.ctx, j.id);
    expect(opened.delivery!.pr).toMatchObject({ number: 1, state: "open", headSha: j.head, draft: false });
    expect(opened.delivery!.shipLabel).toBe("Merge PR #1 (merge)");
    expect(gh.pullFor("acme", j.repo, j.branch)!.body).toContain("(https://fleet.example/jobs/");
  });

  it("Ship before the PR exists opens it (no merge in the same click: its checks start now) and says so", async () => {
    const s = scenario(await newStore());
    withForge(s);
    gh.answerNext({ status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "base", code: "invalid" }], documentation_url: "https://docs.github.com/rest" } });
    const j = await pushedJob(s);
    expect((await getJob(s.ctx, j.id)).delivery!.shipLabel).toBe(`open a pull request for ${j.branch}, then merge it (merge)`);
    const e = await actOnJob(s.ctx, j.id, { action: "ship" }, op).then(() => undefined, (x: unknown) => x);
    expect(isFleetError(e) && e.code).toBe("conflict");
    expect((e as { extra?: Record<string, unknown> }).extra).toMatchObject({ reason: "pr_opened" });
    expect((e as Error).message).toMatch(/#1 was opened just now: Ship again/);
    const job = (await s.ctx.store.getJob(j.id))!;
    expect([job.stage, job.delivery!.pr?.state, gh.pullFor("acme", j.repo, j.branch)?.merged]).toEqual(["testing", "open", false]);
  });

  it("verify failed: a draft PR; requeued and run again, the new head's attempt rewrites the PR's text and the record follows the head", async () => {
    const s = scenario(await newStore());
    withForge(s);
    const repo = `r-${++n}`;
    gh.addRepo("acme", repo, { branches: { main: "b".repeat(40) } });
    const job = await s.submit({ repo: `${gh.url}/acme/${repo}.git`, "base-branch": "main", verify: "make test" }, "Twice");
    const agent = await s.factory();
    const branch = (await getJob(s.ctx, job.id)).delivery!.branch;
    const run = async (head: string, passed: boolean) => {
      const lease = (await agent.claim())!;
      gh.pushTo("acme", repo, branch, head);
      return agent.complete(lease, { outcome: "succeeded", exitCode: 0, verify: { passed, exitCode: passed ? 0 : 1, output: "" }, delivery: { branch, headSha: head, pushed: true } });
    };
    expect((await run("d".repeat(40), false)).stage).toBe("failed");
    expect((await s.ctx.store.getJob(job.id))!.delivery!.pr).toMatchObject({ number: 1, draft: true, headSha: "d".repeat(40) });
    expect(gh.pullFor("acme", repo, branch)!.body).toContain("❌ failed");
    await actOnJob(s.ctx, job.id, { action: "requeue" }, op);
    expect((await run("e".repeat(40), true)).stage).toBe("testing");
    const after = (await s.ctx.store.getJob(job.id))!;
    expect(after.delivery!.pr).toMatchObject({ number: 1, headSha: "e".repeat(40), state: "open" });
    expect(gh.pullFor("acme", repo, branch)!.body).toContain("✅ passed");
    // Still a draft on the forge (GitHub's REST API cannot mark it ready): Ship says what to do.
    const e = await actOnJob(s.ctx, job.id, { action: "ship" }, op).then(() => undefined, (x: unknown) => x);
    expect((e as { extra?: Record<string, unknown> }).extra).toMatchObject({ reason: "draft" });
  });

  it("a PR someone opened for the branch already is adopted", async () => {
    const s = scenario(await newStore());
    withForge(s);
    const j = await pushedJob(s, {
      before: async (repo, branch) => {
        await githubForge({ token: gh.token, baseUrl: gh.url }).openPullRequest({ owner: "acme", repo }, { title: "by hand", body: "", head: branch, base: "main", draft: false });
      },
    });
    expect((await s.ctx.store.getJob(j.id))!.delivery!.pr).toMatchObject({ number: 1, state: "open" });
    const opened = (await s.ctx.store.readEvents(j.id, 0, 500)).find((e) => e.type === "delivery:pr_opened");
    expect(opened?.data).toMatchObject({ number: 1, adopted: true });
  });

  it("the poll rereads only PRs not read for a period; a change is an event; an unchanged read only refreshes", async () => {
    const s = scenario(await newStore());
    withForge(s);
    const j = await pushedJob(s);
    expect(await pollPullRequests(s.ctx)).toEqual({ opened: 0, refreshed: 0 });
    gh.setChecks("acme", j.repo, j.head, [{ name: "ci", status: "completed", conclusion: "success" }]);
    s.clock.advance(POLL_MS);
    expect(await pollPullRequests(s.ctx)).toEqual({ opened: 0, refreshed: 1 });
    const job = (await s.ctx.store.getJob(j.id))!;
    expect(job.delivery!.pr).toMatchObject({ checks: "passing", refreshedAt: s.clock.now });
    expect((await types(s, j.id)).filter((t) => t === "delivery:pr_changed")).toHaveLength(1);
    s.clock.advance(POLL_MS);
    await pollPullRequests(s.ctx);
    expect((await types(s, j.id)).filter((t) => t === "delivery:pr_changed")).toHaveLength(1);
    // refreshPullRequest of a PR no job holds: nothing.
    expect(await refreshPullRequest(s.ctx, { owner: "acme", repo: j.repo, number: 99 })).toBeUndefined();
  });

  it("Ship refused by a conflict: 409 naming it, the base branch untouched, the reason kept on the PR; the human gates come first", async () => {
    const s = scenario(await newStore());
    withForge(s);
    const j = await pushedJob(s);
    gh.setConflict("acme", j.repo, 1, true);
    const main = gh.branchSha("acme", j.repo, "main");
    const e = await actOnJob(s.ctx, j.id, { action: "ship" }, op).then(() => undefined, (x: unknown) => x);
    expect(isFleetError(e) && e.code).toBe("conflict");
    expect((e as { extra?: Record<string, unknown> }).extra).toMatchObject({ reason: "conflict", stage: "testing" });
    expect(gh.branchSha("acme", j.repo, "main")).toBe(main);
    const after = (await s.ctx.store.getJob(j.id))!;
    expect(after.stage).toBe("testing");
    expect(after.approvals).toEqual([]);
    expect(after.delivery!.pr!.error).toMatchObject({ reason: "conflict" });
    expect(await types(s, j.id)).not.toContain("action:taken");

    // A job with a review policy is refused by its own gate first (nothing asked of the forge).
    const s2 = scenario(await newStore());
    withForge(s2);
    gh.setConflict("acme", j.repo, 1, false);
    const before = gh.requests.length;
    const k = await (async () => {
      const repo = `r-${++n}`;
      gh.addRepo("acme", repo, { branches: { main: "b".repeat(40) } });
      const job = await s2.submit({ repo: `${gh.url}/acme/${repo}.git`, "base-branch": "main", "review-policy": { reviewers: ["@alice"] } }, "gated");
      return job.id;
    })();
    const gate = await actOnJob(s2.ctx, k, { action: "ship" }, op).then(() => undefined, (x: unknown) => x);
    expect(isFleetError(gate)).toBe(true);
    expect(gh.requests.length).toBe(before);
  });
});

describe("gateOf: what the coordinator refuses before asking the forge", () => {
  const d: JobDelivery = { mode: "pr", branch: "fleet/j", headSha: "a".repeat(40), lastPushed: "a".repeat(40) };
  const pr: PullRequestRecord = { forge: "github", owner: "o", repo: "r", number: 3, url: "u", state: "open", draft: false, headSha: "a".repeat(40), mergeable: true, mergeableState: "clean", checks: "passing", review: "approved", refreshedAt: 0 };
  it("passes a clean PR, and names each reason in order", () => {
    expect(gateOf(pr, d)).toBeUndefined();
    expect(gateOf({ ...pr, checks: "none", review: "none" }, d)).toBeUndefined();
    expect(gateOf({ ...pr, state: "merged" }, d)?.reason).toBe("merged");
    expect(gateOf({ ...pr, state: "closed" }, d)?.reason).toBe("closed");
    expect(gateOf({ ...pr, draft: true }, d)?.reason).toBe("draft");
    expect(gateOf({ ...pr, headSha: "b".repeat(40) }, d)?.reason).toBe("head_moved");
    expect(gateOf({ ...pr, mergeable: false }, d)?.reason).toBe("conflict");
    expect(gateOf({ ...pr, mergeableState: "dirty", mergeable: null }, d)?.reason).toBe("conflict");
    expect(gateOf({ ...pr, checks: "failing" }, d)?.reason).toBe("checks_failing");
    expect(gateOf({ ...pr, checks: "pending" }, d)?.reason).toBe("checks_pending");
    expect(gateOf({ ...pr, review: "changes_requested" }, d)?.reason).toBe("changes_requested");
    expect(gateOf({ ...pr, checks: "failing" }, d)?.message).toBe("checks are failing on PR #3");
  });
});
