import { expect, it } from "vitest";
import { actOnJob } from "@/server/coordinator/actions";
import { scenario } from "@/server/coordinator/policies/scenario-harness";
import { forEachProvider } from "@/server/store/testing";
import { retentionStep } from "./index";

/** The sweeper's retention step over a real store: per-kind limits, terminal jobs only, off by default. */
const DAY = 86_400_000;
const ADMIN = { id: "admin@example.com", role: "admin" as const };

forEachProvider(({ newStore }) => {
  it("prunes only what a limit is set for, only of jobs terminal for longer, and nothing when off", async () => {
    const s = scenario(await newStore());
    const agent = await s.factory();
    const ids: string[] = [];
    for (const title of ["to ship", "left in review"]) {
      const job = await s.submit({}, title);
      const lease = (await agent.claim())!;
      await agent.events(lease, [{ seq: 1, type: "log", stream: "stdout", text: `${title}\n` }]);
      await agent.complete(lease, { outcome: "succeeded", exitCode: 0 });
      ids.push(job.id);
    }
    await actOnJob(s.ctx, ids[0]!, { action: "ship" }, ADMIN);
    s.clock.advance(3 * DAY);
    // Off by default.
    expect(await retentionStep(s.ctx)).toEqual({ logs: [], events: [] });

    s.ctx.retention = { days: 30, logsDays: 2 };
    expect(await retentionStep(s.ctx)).toEqual({ logs: [ids[0]], events: [] });
    expect(await s.ctx.store.readLog(ids[0]!, 0, 100)).toEqual([]);
    expect((await s.ctx.store.readLog(ids[1]!, 0, 100)).length).toBe(1);
    expect((await s.ctx.store.readEvents(ids[0]!, 0, 100)).length).toBeGreaterThan(0);
    s.clock.advance(28 * DAY);
    expect(await retentionStep(s.ctx)).toEqual({ logs: [], events: [ids[0]] });
  });
});
