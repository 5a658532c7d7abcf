import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import type { ClaimResponse, DeliveryReport } from "@/lib/protocol";
import { mergeBranch, pushBranch, type DeliveryError } from "@/agent/src/run/delivery";
import { repoCache } from "@/agent/src/run/workspace";
import { actOnJob } from "@/server/coordinator/actions";
import { getJob } from "@/server/coordinator/jobs";
import { scenario } from "@/server/coordinator/policies/scenario-harness";
import { isFleetError } from "@/server/errors";
import { forgeConfig } from "@/server/forge";
import { forEachProvider } from "@/server/store/testing";
import { git } from "../harness/bare-origin";
import { bareOrigins, deliveryFactory, runJob } from "../harness/delivery";

/**
 * Issue 15, the coordinator with the agent's real git against a real bare origin: what the claim
 * says to push, what the completion records (branch, head, merge SHA), a failed push waiting in
 * review with Retry push (a push task pinned to the factory holding the branch), and plain-git Ship
 * as a merge task that lands the commit on the origin's base branch. Both store providers.
 */
const origin = bareOrigins("fleet-ship-");
const op = { id: "op@example.com", role: "operator" as const };
/** A delivery task as the agent runs it (job-runner deliveryTask), with its real git. */
async function runTask(workdir: string, c: ClaimResponse): Promise<{ outcome: "succeeded" | "failed"; delivery: DeliveryReport }> {
  const d = c.delivery!;
  const cache = await repoCache(workdir, c.job.manifest.repo!);
  try {
    if (d.task === "push") {
      await pushBranch({ cache, head: d.headSha!, branch: d.branch, ...(d.expectedHead ? { expectedHead: d.expectedHead } : {}) });
      return { outcome: "succeeded", delivery: { branch: d.branch, headSha: d.headSha!, pushed: true } };
    }
    const r = await mergeBranch({ cache, branch: d.branch, headSha: d.headSha!, ...(d.baseBranch ? { baseBranch: d.baseBranch } : {}), title: c.job.title });
    return { outcome: "succeeded", delivery: { branch: d.branch, headSha: d.headSha!, pushed: true, baseBranch: r.baseBranch, mergeSha: r.mergeSha } };
  } catch (e) {
    const err = e as DeliveryError;
    return { outcome: "failed", delivery: { branch: d.branch, headSha: d.headSha!, pushed: false, error: { reason: err.reason, message: err.message } } };
  }
}

forEachProvider(({ newStore }) => {
  it("push, record, Ship: a merge task lands the commit on the origin's base branch; the job shows the merge SHA", async () => {
    const o = origin();
    const s = scenario(await newStore());
    const job = await s.submit({ repo: o.url, delivery: "branch", "base-branch": "main" }, "Add the b file");
    const f = await deliveryFactory(s, "mac-1");
    const c = (await f.claim())!;
    expect(c.delivery).toEqual({ mode: "branch", branch: `fleet/${job.id}-add-the-b-file`, baseBranch: "main" });
    const report = await runJob(path.join(o.root, "wd"), c, "b.txt");
    expect(report.pushed).toBe(true);
    expect((await f.complete(c, { outcome: "succeeded", exitCode: 0, delivery: report })).stage).toBe("review");
    const recorded = await getJob(s.ctx, job.id);
    expect(recorded.delivery).toMatchObject({ mode: "branch", branch: report.branch, headSha: report.headSha, lastPushed: report.headSha, factoryId: f.id });
    expect(recorded.delivery!.shipLabel).toBe(`merge ${report.branch} into main and push`);
    expect(git(o.bare, "rev-parse", `refs/heads/${report.branch}`)).toBe(report.headSha);

    // Ship queues a merge task and the job waits where it is.
    const shipping = await actOnJob(s.ctx, job.id, { action: "ship" }, op);
    expect(shipping.stage).toBe("review");
    expect(shipping.delivery!.task).toMatchObject({ kind: "merge" });
    // A second Ship meanwhile is refused with the reason.
    const again = await actOnJob(s.ctx, job.id, { action: "ship" }, op).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(again) && again.code).toBe("conflict");
    expect((again as Error).message).toMatch(/merge .* is under way/);

    const t = (await f.claim())!;
    expect(t.job.id).toBe(shipping.delivery!.task!.jobId);
    expect(t.delivery).toMatchObject({ task: "merge", branch: report.branch, headSha: report.headSha, baseBranch: "main" });
    const r = await runTask(path.join(o.root, "wd2"), t);
    expect(r.outcome).toBe("succeeded");
    expect((await f.complete(t, { outcome: r.outcome, exitCode: 0, delivery: r.delivery })).stage).toBe("shipped");
    const shipped = await getJob(s.ctx, job.id);
    expect(shipped.stage).toBe("shipped");
    expect(shipped.delivery!.mergeSha).toBe(report.headSha);
    expect(shipped.delivery!.task).toBeUndefined();
    expect(git(o.bare, "rev-parse", "main")).toBe(report.headSha);
    expect(git(o.bare, "show", "main:b.txt")).toBe("b.txt");
    const events = (await s.ctx.store.readEvents(job.id, 0, 1000)).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(["delivery:ship_queued", "delivery:merged"]));
  });

  it("review-policy auto with a pushed branch: the coordinator queues the merge itself; shipped once the origin's base branch has the commit", async () => {
    const o = origin();
    const s = scenario(await newStore());
    const job = await s.submit({ repo: o.url, delivery: "branch", "base-branch": "main", "review-policy": "auto", verify: "true" }, "Auto b");
    const f = await deliveryFactory(s, "mac-1");
    const c = (await f.claim())!;
    const report = await runJob(path.join(o.root, "wd"), c, "b.txt");
    // Verify green and the scope clean, but nothing is merged yet: the job waits in testing for its merge task.
    expect((await f.complete(c, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "" }, delivery: report })).stage).toBe("testing");
    const waiting = await getJob(s.ctx, job.id);
    expect(waiting.delivery!.task).toMatchObject({ kind: "merge" });
    expect(git(o.bare, "rev-parse", "main")).not.toBe(report.headSha);

    const t = (await f.claim())!;
    expect(t.job.id).toBe(waiting.delivery!.task!.jobId);
    const r = await runTask(path.join(o.root, "wd2"), t);
    expect((await f.complete(t, { outcome: r.outcome, exitCode: 0, delivery: r.delivery })).stage).toBe("shipped");
    const shipped = await getJob(s.ctx, job.id);
    expect(shipped.stage).toBe("shipped");
    expect(shipped.delivery!.mergeSha).toBe(report.headSha);
    expect(git(o.bare, "rev-parse", "main")).toBe(report.headSha);
    expect(git(o.bare, "show", "main:b.txt")).toBe("b.txt");
    const queued = (await s.ctx.store.readEvents(job.id, 0, 1000)).find((e) => e.type === "delivery:ship_queued");
    expect(queued?.data).toMatchObject({ by: "review-policy:auto" });
  });

  it("review-policy auto without a delivery still ships by the stage alone", async () => {
    const s = scenario(await newStore());
    const job = await s.submit({ "review-policy": "auto", verify: "true" }, "no repo");
    const f = await deliveryFactory(s, "mac-1");
    const c = (await f.claim())!;
    expect((await f.complete(c, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "" } })).stage).toBe("shipped");
    expect((await getJob(s.ctx, job.id)).delivery).toBeUndefined();
  });

  it("a push refused as non-fast-forward waits in review; Ship is refused; Retry push runs on the factory holding the branch", async () => {
    const o = origin();
    const s = scenario(await newStore());
    const job = await s.submit({ repo: o.url, delivery: "branch" }, "Add c");
    const f1 = await deliveryFactory(s, "f1");
    const f2 = await deliveryFactory(s, "f2");
    const c = (await f1.claim())!;
    // Someone else made the branch first.
    const theirs = path.join(o.root, "theirs");
    git(o.root, "clone", "-q", o.bare, theirs);
    git(theirs, "checkout", "-q", "-b", c.delivery!.branch);
    writeFileSync(path.join(theirs, "x.txt"), "x\n");
    git(theirs, "add", "-A");
    git(theirs, "commit", "-q", "-m", "theirs");
    git(theirs, "push", "-q", "origin", `HEAD:${c.delivery!.branch}`);

    const report = await runJob(path.join(o.root, "wd1"), c, "c.txt");
    expect(report).toMatchObject({ pushed: false, error: { reason: "non_fast_forward" } });
    expect((await f1.complete(c, { outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0, output: "" }, delivery: report })).stage).toBe("review");
    const waiting = await getJob(s.ctx, job.id);
    expect(waiting.delivery!.pushError).toMatchObject({ reason: "non_fast_forward" });
    expect(waiting.delivery!.headSha).toBe(report.headSha);
    const refused = await actOnJob(s.ctx, job.id, { action: "ship" }, op).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(refused) && refused.code).toBe("conflict");
    expect((refused as Error).message).toMatch(/is not pushed \(non_fast_forward.*Retry push first/s);

    // Retry push: still refused by the remote → the task fails for good (no retry), the reason stays.
    const retry = await actOnJob(s.ctx, job.id, { action: "retry_push" }, op);
    expect(retry.delivery!.task).toMatchObject({ kind: "push" });
    expect(await f2.claim()).toBeUndefined();
    const t1 = (await f1.claim())!;
    expect(t1.delivery).toMatchObject({ task: "push", headSha: report.headSha, branch: report.branch });
    const r1 = await runTask(path.join(o.root, "wd1"), t1);
    expect(r1.delivery.error?.reason).toBe("non_fast_forward");
    expect((await f1.complete(t1, { outcome: r1.outcome, exitCode: null, delivery: r1.delivery })).stage).toBe("failed");
    expect((await getJob(s.ctx, job.id)).delivery).toMatchObject({ pushError: { reason: "non_fast_forward" } });

    // The other branch goes away; the next Retry push lands the kept commit.
    git(theirs, "push", "-q", "origin", `:${c.delivery!.branch}`);
    await actOnJob(s.ctx, job.id, { action: "retry_push" }, op);
    const t2 = (await f1.claim())!;
    const r2 = await runTask(path.join(o.root, "wd1"), t2);
    expect(r2.outcome).toBe("succeeded");
    await f1.complete(t2, { outcome: r2.outcome, exitCode: 0, delivery: r2.delivery });
    const pushed = await getJob(s.ctx, job.id);
    expect(pushed.stage).toBe("review");
    expect(pushed.delivery!.pushError).toBeUndefined();
    expect(pushed.delivery!.lastPushed).toBe(report.headSha);
    expect(git(o.bare, "rev-parse", `refs/heads/${report.branch}`)).toBe(report.headSha);
  });

  it("a job without a repo delivers nothing; delivery: none neither; retry_push on it is refused", async () => {
    const s = scenario(await newStore());
    const plain = await s.submit({}, "no repo");
    expect((await getJob(s.ctx, plain.id)).delivery).toBeUndefined();
    const none = await s.submit({ repo: "https://git.example.com/a.git", delivery: "none" }, "none");
    expect((await getJob(s.ctx, none.id)).delivery).toBeUndefined();
    const gh = await s.submit({ repo: "https://github.com/acme/shop.git" }, "on github");
    expect((await getJob(s.ctx, gh.id)).delivery).toMatchObject({ mode: "pr" });
    const err = await actOnJob(s.ctx, plain.id, { action: "retry_push" }, op).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(err)).toBe(true);
  });

  it("delivery: merge is refused at submit without a profile that allows direct push, naming manifest.delivery", async () => {
    const s = scenario(await newStore());
    const err = await s.submit({ repo: "https://git.example.com/a.git", delivery: "merge" }).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(err) && err.code).toBe("validation");
    expect((err as { errors?: { path: string; message: string }[] }).errors).toEqual([{ path: "manifest.delivery", message: expect.stringMatching(/allow-direct-push: true/) }]);
  });

  it("FLEET_PROTECTED_BRANCHES: delivery: merge to a listed base branch (or an unnamed one) is refused at submit naming manifest.delivery; another base is taken", async () => {
    const s = scenario(await newStore());
    // A profile that allows direct push, and plain git protecting main.
    s.ctx.profiles = { list: async () => [], get: async () => undefined, resolve: async (spec, _set, name) => ({ spec, name, version: "1", allowDirectPush: true }) };
    s.ctx.forge = forgeConfig({ protectedBranches: ["main", "release"] });
    const repo = "https://git.example.com/a.git";
    const errorsOf = (e: unknown) => (isFleetError(e) && e.code === "validation" ? (e as { errors?: { path: string; message: string }[] }).errors : e);
    const onMain = await s.submit({ repo, delivery: "merge", "base-branch": "main", profile: "pusher" }).then(() => undefined, (e: unknown) => e);
    expect(errorsOf(onMain)).toEqual([{ path: "manifest.delivery", message: expect.stringMatching(/straight to main, which FLEET_PROTECTED_BRANCHES protects: use delivery: pr/) }]);
    const unnamed = await s.submit({ repo, delivery: "merge", profile: "pusher" }).then(() => undefined, (e: unknown) => e);
    expect(errorsOf(unnamed)).toEqual([{ path: "manifest.delivery", message: expect.stringMatching(/cannot be checked against FLEET_PROTECTED_BRANCHES \(main, release\): set base-branch/) }]);
    const ok = await s.submit({ repo, delivery: "merge", "base-branch": "dev", profile: "pusher" });
    expect((await getJob(s.ctx, ok.id)).delivery).toMatchObject({ mode: "merge", baseBranch: "dev" });
    // Not listed at all: nothing is refused.
    s.ctx.forge = forgeConfig();
    expect((await s.submit({ repo, delivery: "merge", "base-branch": "main", profile: "pusher" })).stage).toBe("queued");
  });
});
