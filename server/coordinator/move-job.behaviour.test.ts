import { expect, it } from "vitest";
import { isStoreError } from "@/server/store/errors";
import { forEachProvider } from "@/server/store/testing";
import { jobEvent } from "./events";
import { moveJob } from "./move-job";
import { scenario } from "./policies/scenario-harness";

/**
 * moveJob over each real store provider: the caller's events and `stage:changed` land with the stage
 * or not at all, and a job's verify result is stored once per attempt, whichever of the agent's two
 * reports (the live `verify` event, the complete) arrives first or again.
 */
const verify = { passed: true, exitCode: 0, output: "ok\n" };

forEachProvider(({ newStore }) => {
  it("a move writes its events and stage:changed with the stage; a stale move leaves nothing", async () => {
    const s = scenario(await newStore());
    const { id } = await s.submit({});
    const job = (await s.ctx.store.getJob(id))!;
    const before = (await s.ctx.store.readEvents(id, 0, 100)).length;
    const moved = await moveJob(s.ctx, job, "paused", { by: "op", cause: "because", events: [jobEvent("budget:exceeded", s.ctx.now(), { reason: "because" })] });
    expect(moved.stage).toBe("paused");
    const after = (await s.ctx.store.readEvents(id, before, 100)).map((e) => [e.type, e.data]);
    expect(after).toEqual([
      ["budget:exceeded", { reason: "because" }],
      ["stage:changed", { from: "queued", to: "paused", cause: "because", by: "op" }],
    ]);
    // The same read again is stale now: refused with conflict, no event, the job as it was.
    const err = await moveJob(s.ctx, job, "cancelled", { by: "op", events: [jobEvent("budget:exceeded", s.ctx.now(), { reason: "x" })] }).catch((e: unknown) => e);
    expect(isStoreError(err, "conflict")).toBe(true);
    expect(await s.ctx.store.getJob(id)).toEqual(moved);
    expect((await s.ctx.store.readEvents(id, before, 100)).length).toBe(2);
  });

  it("records one verify event per attempt: agent event then complete, a re-sent batch, complete alone", async () => {
    const s = scenario(await newStore());
    const verifyCount = async (jobId: string, leaseId: string) =>
      (await s.ctx.store.readEvents(jobId, 0, 1_000)).filter((e) => e.leaseId === leaseId && e.type.startsWith("verify:")).length;
    const agent = await s.factory();

    const a = await s.submit({ verify: "true", retry: { max: 2, on: ["verify_failed"] } });
    const first = (await agent.claim())!;
    expect(first.jobId).toBe(a.id);
    const batch = [{ seq: 1, type: "stage" as const, stage: "building" as const }, { seq: 2, type: "verify" as const, ...verify }];
    await agent.events(first, batch);
    await agent.events(first, batch); // the agent re-sends a batch it got no answer for
    expect(await verifyCount(a.id, first.leaseId)).toBe(1);
    expect((await agent.complete(first, { outcome: "succeeded", exitCode: 0, verify })).stage).toBe("testing");
    expect(await verifyCount(a.id, first.leaseId)).toBe(1);

    const b = await s.submit({ verify: "false" });
    const second = (await agent.claim())!;
    expect(second.jobId).toBe(b.id);
    await agent.events(second, [{ seq: 1, type: "stage", stage: "building" }]);
    await agent.complete(second, { outcome: "succeeded", exitCode: 0, verify: { passed: false, exitCode: 1, output: "no\n" } });
    const stored = (await s.ctx.store.readEvents(b.id, 0, 1_000)).filter((e) => e.type.startsWith("verify:"));
    expect(stored.map((e) => [e.type, e.leaseId])).toEqual([["verify:failed", second.leaseId]]);
  });
});
