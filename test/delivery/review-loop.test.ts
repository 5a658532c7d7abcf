import { existsSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { isFleetError } from "@/server/errors";
import type { JobRecord, PullRequestRecord } from "@/server/store/records";
import { forEachProvider } from "@/server/store/testing";
import { actOnJob } from "@/server/coordinator/actions";
import { complete } from "@/server/coordinator/leases";
import { scenario, type Scenario } from "@/server/coordinator/policies/scenario-harness";
import { afterPullRequestChange } from "@/server/coordinator/review-loop";
import { git } from "../harness/bare-origin";
import { bareOrigins, deliveryFactory, runJob } from "../harness/delivery";

/**
 * The review loop over a real store (both providers) and the agent's real git against a bare
 * origin: a job pushes its branch; its pull request's checks turn to failing → exactly one
 * follow-up is queued, with the failure and the original task in its prompt; the same state seen
 * again (a poll, a webhook, another instance) queues nothing; the follow-up's claim starts at the
 * pushed head, its push fast-forwards the branch and the parent (the job that ships) takes the
 * new head; retry.max bounds the automatic rounds (an event says why); Request changes queues one
 * with the operator's comment, refused with a precise 409 where it cannot.
 */
const origin = bareOrigins("fleet-review-loop-");
const op = { id: "op@example.com", role: "operator" as const };
const pr = (headSha: string, over: Partial<PullRequestRecord> = {}): PullRequestRecord => ({
  forge: "github",
  owner: "acme",
  repo: "shop",
  number: 12,
  url: "https://github.com/acme/shop/pull/12",
  state: "open",
  draft: false,
  headSha,
  mergeable: true,
  mergeableState: "unstable",
  checks: "pending",
  review: "none",
  refreshedAt: 0,
  ...over,
});

/** What the pull-request code does on each read of the PR: write the record, then call the hook with the one it replaced. */
async function prSeen(s: Scenario, jobId: string, next: PullRequestRecord): Promise<JobRecord> {
  const job = (await s.ctx.store.getJob(jobId))!;
  const before = job.delivery!.pr;
  const written = await s.ctx.store.patchJob(jobId, { expectedVersion: job.version, now: s.ctx.now(), patch: { delivery: { ...job.delivery!, pr: { ...next, refreshedAt: s.ctx.now() } } }, events: [] });
  await afterPullRequestChange(s.ctx, written, before);
  return (await s.ctx.store.getJob(jobId))!;
}

const eventsOf = async (s: Scenario, id: string) => (await s.ctx.store.readEvents(id, 0, 1000)).map((e) => ({ type: e.type, data: e.data as Record<string, unknown> }));
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (isFleetError(e) ? { code: e.code, message: e.message } : e));

forEachProvider(({ newStore }) => {
  it("failing checks queue one follow-up on the branch; repeats queue nothing; its push moves the parent's head; retry.max bounds the rounds", async () => {
    const o = origin();
    const s = scenario(await newStore());
    const job = await s.submit({ repo: o.url, delivery: "branch", "base-branch": "main", retry: { max: 2 } }, "Add the b file");
    const f = await deliveryFactory(s, "f1");
    const c = (await f.claim())!;
    const first = await runJob(path.join(o.root, "wd"), c, "b.txt");
    expect((await f.complete(c, { outcome: "succeeded", exitCode: 0, delivery: first })).stage).toBe("review");

    // Pending, then passing: nothing to do.
    await prSeen(s, job.id, pr(first.headSha));
    await prSeen(s, job.id, pr(first.headSha, { checks: "passing" }));
    expect((await s.ctx.store.getJob(job.id))!.delivery!.followUps).toBeUndefined();

    // Failing on the head the job pushed: one follow-up.
    let parent = await prSeen(s, job.id, pr(first.headSha, { checks: "failing" }));
    expect(parent.delivery!.followUps).toHaveLength(1);
    const fu1 = (await s.ctx.store.getJob(parent.delivery!.followUps![0]!))!;
    expect(fu1).toMatchObject({ stage: "queued", followUpOf: { of: job.id, reason: "checks_failed", round: 1 } });
    expect(fu1.manifest).toMatchObject({ repo: o.url, engine: "shell", delivery: "branch", branch: first.branch, "base-branch": "main", retry: { max: 2 } });
    expect(fu1.delivery).toEqual({ mode: "branch", branch: first.branch, baseBranch: "main", headSha: first.headSha, lastPushed: first.headSha });
    expect(fu1.body).toContain(`The checks of pull request #12 fail on ${first.headSha}`);
    expect(fu1.body).toContain("https://github.com/acme/shop/pull/12/checks");
    expect(fu1.body).toMatch(/## The original task[\s\S]*do it/);
    expect(fu1.title).toBe("Fix failing checks (round 1): Add the b file");
    expect((await eventsOf(s, job.id)).filter((e) => e.type === "review:follow_up_queued")).toEqual([
      { type: "review:follow_up_queued", data: { followUp: fu1.id, reason: "checks_failed", round: 1, headSha: first.headSha, by: "review-loop" } },
    ]);

    // The same state again (a poll, a webhook), and the same edge seen by a second instance: nothing new.
    await prSeen(s, job.id, pr(first.headSha, { checks: "failing" }));
    const stale = (await s.ctx.store.getJob(job.id))!;
    await afterPullRequestChange(s.ctx, stale, pr(first.headSha, { checks: "pending" }));
    parent = (await s.ctx.store.getJob(job.id))!;
    expect(parent.delivery!.followUps).toEqual([fu1.id]);
    expect((await s.ctx.store.listJobs({}, undefined, 100)).items).toHaveLength(2);

    // The follow-up continues the branch from the pushed head and fast-forwards it.
    const c1 = (await f.claim())!;
    expect(c1.job.id).toBe(fu1.id);
    expect(c1.delivery).toEqual({ mode: "branch", branch: first.branch, baseBranch: "main", expectedHead: first.headSha, startAt: first.headSha });
    const second = await runJob(path.join(o.root, "wd2"), c1, "fix.txt");
    expect((await f.complete(c1, { outcome: "succeeded", exitCode: 0, delivery: second })).stage).toBe("review");
    expect(git(o.bare, "rev-parse", `${first.branch}~1`)).toBe(first.headSha);
    expect(git(o.bare, "show", `${first.branch}:b.txt`)).toBe("b.txt");
    parent = (await s.ctx.store.getJob(job.id))!;
    // The parent is the job that ships: its delivery now names the follow-up's head.
    expect(parent.delivery).toMatchObject({ headSha: second.headSha, lastPushed: second.headSha });
    expect(parent.stage).toBe("review");

    // The PR's head moved and fails again: round 2.
    parent = await prSeen(s, job.id, pr(second.headSha, { checks: "failing" }));
    expect(parent.delivery!.followUps).toHaveLength(2);
    const c2 = (await f.claim())!;
    expect(c2.delivery!.startAt).toBe(second.headSha);
    const third = await runJob(path.join(o.root, "wd3"), c2, "fix2.txt");
    await f.complete(c2, { outcome: "succeeded", exitCode: 0, delivery: third });

    // Round 3 would pass retry.max 2: refused, with the reason, nothing queued.
    parent = await prSeen(s, job.id, pr(third.headSha, { checks: "failing" }));
    expect(parent.delivery!.followUps).toHaveLength(2);
    expect((await eventsOf(s, job.id)).filter((e) => e.type === "review:follow_up_refused")).toEqual([
      { type: "review:follow_up_refused", data: { reason: "checks_failed", round: 3, headSha: third.headSha, why: expect.stringMatching(/retry policy is spent: retry.max 2/) } },
    ]);
    expect((await s.ctx.store.listJobs({}, undefined, 100)).items).toHaveLength(3);

    // An operator may still ask (a person's decision): the comment is the feedback.
    const asked = await actOnJob(s.ctx, job.id, { action: "request_changes", reason: "Rename b.txt to bee.txt" }, op);
    expect(asked.delivery!.followUps).toHaveLength(3);
    const fu3 = (await s.ctx.store.getJob(asked.delivery!.followUps![2]!))!;
    expect(fu3.followUpOf).toEqual({ of: job.id, reason: "changes_requested", round: 3 });
    expect(fu3.body).toContain("An operator requested changes");
    expect(fu3.body).toContain("Rename b.txt to bee.txt");
    // While it runs, another request is refused with the reason; the job is unchanged.
    const before = await s.ctx.store.getJob(job.id);
    expect(await refusal(actOnJob(s.ctx, job.id, { action: "request_changes", reason: "and more" }, op))).toEqual({ code: "conflict", message: expect.stringMatching(/follow-up .* is still queued/) });
    expect(await s.ctx.store.getJob(job.id)).toEqual(before);
    expect(existsSync(o.bare)).toBe(true);
  });

  it("a reviewer's changes_requested queues one follow-up; a head the job did not push, or a job not in review, queues none", async () => {
    const o = origin();
    const s = scenario(await newStore());
    const job = await s.submit({ repo: o.url, delivery: "branch", retry: { max: 1 } }, "Add c");
    s.clock.advance(1_000);
    // With the default retry policy (max 0) the loop only says why it does nothing.
    const off = await s.submit({ repo: o.url, delivery: "branch" }, "Add d");
    const f = await deliveryFactory(s, "f1");
    const c = (await f.claim())!;
    expect(c.job.id).toBe(job.id);
    const first = await runJob(path.join(o.root, "wd"), c, "c.txt");
    await f.complete(c, { outcome: "succeeded", exitCode: 0, delivery: first });
    const c2 = (await f.claim())!;
    expect(c2.job.id).toBe(off.id);
    const offHead = await runJob(path.join(o.root, "wd2"), c2, "d.txt");
    await f.complete(c2, { outcome: "succeeded", exitCode: 0, delivery: offHead });

    // Someone else's commit is the PR's head: not the job's to fix.
    await prSeen(s, job.id, pr("f".repeat(40), { checks: "failing" }));
    expect((await s.ctx.store.getJob(job.id))!.delivery!.followUps).toBeUndefined();

    const parent = await prSeen(s, job.id, pr(first.headSha, { review: "changes_requested", checks: "passing" }));
    expect(parent.delivery!.followUps).toHaveLength(1);
    const fu = (await s.ctx.store.getJob(parent.delivery!.followUps![0]!))!;
    expect(fu.followUpOf).toEqual({ of: job.id, reason: "changes_requested", round: 1 });
    expect(fu.body).toContain("A reviewer requested changes on pull request #12");
    // Still changes_requested on the next read: nothing more.
    await prSeen(s, job.id, pr(first.headSha, { review: "changes_requested", checks: "passing" }));
    expect((await s.ctx.store.getJob(job.id))!.delivery!.followUps).toHaveLength(1);

    await prSeen(s, off.id, pr(offHead.headSha, { checks: "failing" }));
    expect((await s.ctx.store.getJob(off.id))!.delivery!.followUps).toBeUndefined();
    expect((await eventsOf(s, off.id)).filter((e) => e.type === "review:follow_up_refused").map((e) => e.data.why)).toEqual([expect.stringMatching(/retry.max 0, .*retry: \{max: N\}/)]);
  });

  it("the job's budget bounds the rounds: each follow-up gets what the job and its earlier rounds left", async () => {
    const s = scenario(await newStore());
    const job = await s.submit({ repo: "https://git.example.com/acme/shop.git", delivery: "branch", retry: { max: 5 }, budget: { usd: 1 } }, "Add e");
    const f = await deliveryFactory(s, "f1");
    const c = (await f.claim())!;
    const h1 = "1".repeat(40);
    await complete(s.ctx, (await s.ctx.store.getJob(job.id))!.lease!.factoryId, c.lease.id, { epoch: c.lease.epoch, outcome: "succeeded", exitCode: 0, cost: { usd: 0.6 }, delivery: { branch: c.delivery!.branch, headSha: h1, pushed: true } });
    const parent = await prSeen(s, job.id, pr(h1, { checks: "failing" }));
    const fu = (await s.ctx.store.getJob(parent.delivery!.followUps![0]!))!;
    expect(fu.manifest.budget.usd).toBeCloseTo(0.4);
    const c1 = (await f.claim())!;
    expect(c1.job.id).toBe(fu.id);
    const h2 = "2".repeat(40);
    await complete(s.ctx, (await s.ctx.store.getJob(fu.id))!.lease!.factoryId, c1.lease.id, { epoch: c1.lease.epoch, outcome: "succeeded", exitCode: 0, cost: { usd: 0.5 }, delivery: { branch: c.delivery!.branch, headSha: h2, pushed: true } });
    const after = await prSeen(s, job.id, pr(h2, { checks: "failing" }));
    expect(after.delivery!.followUps).toHaveLength(1);
    expect((await eventsOf(s, job.id)).filter((e) => e.type === "review:follow_up_refused").map((e) => e.data.why)).toEqual([expect.stringMatching(/budget is spent \(usd/)]);
  });

  it("request_changes is refused with a precise 409 where there is no pushed branch to continue, and changes nothing", async () => {
    const s = scenario(await newStore());
    const plain = await s.submit({}, "No repo");
    expect(await refusal(actOnJob(s.ctx, plain.id, { action: "request_changes", reason: "x" }, op))).toEqual({ code: "conflict", message: expect.stringMatching(/the job is queued; request_changes works from review, testing/) });
    const f = await deliveryFactory(s, "f1");
    const c = (await f.claim())!;
    await complete(s.ctx, (await s.ctx.store.getJob(plain.id))!.lease!.factoryId, c.lease.id, { epoch: c.lease.epoch, outcome: "succeeded", exitCode: 0 });
    const before = await s.ctx.store.getJob(plain.id);
    expect(await refusal(actOnJob(s.ctx, plain.id, { action: "request_changes", reason: "x" }, op))).toEqual({ code: "conflict", message: expect.stringMatching(/delivers nothing .* no branch to continue/) });
    expect(await refusal(actOnJob(s.ctx, plain.id, { action: "request_changes", reason: "  " }, op))).toEqual({ code: "validation", message: expect.stringMatching(/needs a reason/) });
    expect(await s.ctx.store.getJob(plain.id)).toEqual(before);
  });
});
