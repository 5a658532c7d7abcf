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

forEachProvider(({ newStore }) => {
  it("prunes webhook delivery records a week old on every sweep, even with history retention off", async () => {
    const s = scenario(await newStore());
    const at = s.ctx.now();
    const take = (id: string) => s.ctx.store.recordWebhookDelivery({ productId: "default", source: "github", deliveryId: id, event: "ping", receivedAt: s.ctx.now() });
    expect(await take("old")).toBe(true);
    s.clock.advance(6 * DAY);
    expect(await take("newer")).toBe(true);
    await retentionStep(s.ctx);
    // Six days on, both are still refused as replays.
    expect([await take("old"), await take("newer")]).toEqual([false, false]);
    s.clock.advance(DAY + 1);
    expect(s.ctx.now() - at).toBeGreaterThan(7 * DAY);
    await retentionStep(s.ctx);
    expect([await take("old"), await take("newer")]).toEqual([true, false]);
  });
});
