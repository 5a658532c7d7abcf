import { expect, it } from "vitest";
import { forEachProvider } from "../testing";
import { trackerFailed, trackerSent, wantTrackerState } from "../rules/tracker-sync";

/**
 * The tracker write-back outbox on both providers: a wanted state is due until sent, a newer one
 * written meanwhile stays due, a failure backs off, versions guard every write (two instances never
 * both win), and the pending count is the backlog the Admin page shows.
 */
const want = (milestone: "queued" | "started" | "shipped", now: number, cur?: Parameters<typeof wantTrackerState>[0]) =>
  wantTrackerState(cur, { id: "job-1", productId: "default", itemId: "github:o/r#1", jobId: "job-1", milestone, comment: `now ${milestone}`, labels: { add: [`agent:${milestone}`], remove: [] }, close: milestone === "shipped", now });

forEachProvider(({ newStore, reopen }) => {
  it("a wanted state is due until it is sent; the version guards each write", async () => {
    const store = await newStore();
    const other = await reopen(store);
    expect(await store.getTrackerSync("job-1")).toBeUndefined();
    expect(await store.saveTrackerSync(want("queued", 1_000), null)).toBe(true);
    expect(await other.saveTrackerSync(want("queued", 1_000), null)).toBe(false);
    const r1 = (await other.getTrackerSync("job-1"))!;
    expect(r1).toMatchObject({ version: 1, rev: 1, sentRev: 0, milestone: "queued", comment: "now queued", nextAttemptAt: 1_000 });
    expect((await store.listTrackerSyncDue(999, 10)).map((r) => r.id)).toEqual([]);
    expect((await store.listTrackerSyncDue(1_000, 10)).map((r) => r.id)).toEqual(["job-1"]);
    expect(await store.countTrackerSyncPending()).toBe(1);

    // a failed send backs off; a racing writer on the old version loses
    expect(await store.saveTrackerSync(trackerFailed(r1, { error: "GitHub answered 503", now: 1_100 }), 1)).toBe(true);
    expect(await other.saveTrackerSync(trackerSent(r1, { rev: 1, now: 1_100 }), 1)).toBe(false);
    const r2 = (await other.getTrackerSync("job-1"))!;
    expect(r2).toMatchObject({ version: 2, attempts: 1, lastError: "GitHub answered 503", nextAttemptAt: 6_100 });
    expect(await store.listTrackerSyncDue(6_000, 10)).toEqual([]);

    // a newer milestone while the old one waits: one record, the newest state, due now
    const r3 = want("started", 2_000, r2);
    expect(await store.saveTrackerSync(r3, 2)).toBe(true);
    expect((await store.listTrackerSyncDue(2_000, 10)).map((r) => [r.milestone, r.rev])).toEqual([["started", 2]]);
    // still waiting since the first want: the backlog's age is the oldest undelivered state's
    expect((await store.getTrackerSync("job-1"))!.pendingSince).toBe(1_000);

    // sent: no longer due, the comment id kept
    const r4 = (await store.getTrackerSync("job-1"))!;
    expect(await other.saveTrackerSync(trackerSent(r4, { rev: 2, commentId: "77", now: 2_100 }), r4.version)).toBe(true);
    expect(await store.listTrackerSyncDue(10_000_000, 10)).toEqual([]);
    expect(await store.countTrackerSyncPending()).toBe(0);
    expect(await store.getTrackerSync("job-1")).toMatchObject({ sentRev: 2, commentId: "77", attempts: 0 });
    expect((await store.getTrackerSync("job-1"))!.nextAttemptAt).toBeUndefined();
    expect((await store.getTrackerSync("job-1"))!.pendingSince).toBeUndefined();
    // the next milestone waits from its own time
    const r5 = (await store.getTrackerSync("job-1"))!;
    expect(await store.saveTrackerSync(want("shipped", 3_000, r5), r5.version)).toBe(true);
    expect((await store.getTrackerSync("job-1"))!.pendingSince).toBe(3_000);
  });

  it("a send that lands while a newer state was written stays due", async () => {
    const store = await newStore();
    expect(await store.saveTrackerSync(want("queued", 1_000), null)).toBe(true);
    const r1 = (await store.getTrackerSync("job-1"))!;
    const r2 = want("started", 1_500, r1);
    expect(await store.saveTrackerSync(r2, 1)).toBe(true);
    // the sender had sent rev 1; it records that on the newest version it reads
    const fresh = (await store.getTrackerSync("job-1"))!;
    expect(await store.saveTrackerSync(trackerSent(fresh, { rev: 1, commentId: "5", now: 1_600 }), fresh.version)).toBe(true);
    expect((await store.listTrackerSyncDue(1_600, 10)).map((r) => [r.milestone, r.sentRev, r.rev])).toEqual([["started", 1, 2]]);
    expect((await store.getTrackerSync("job-1"))!.pendingSince).toBe(1_000);
  });
});
