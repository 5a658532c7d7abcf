import { expect, it } from "vitest";
import { forEachProvider } from "../testing";

/**
 * Webhook delivery records on both providers: the first writer of a delivery id wins (a replay,
 * also from another app instance, gets false), ids are per source, forgetting one lets a
 * redelivery be taken again, and retention deletes only the old ones, in bounded batches.
 */
const delivery = (deliveryId: string, receivedAt = 1_000, source: "github" | "linear" = "github") => ({
  productId: "default",
  source,
  deliveryId,
  event: "pull_request",
  receivedAt,
});

forEachProvider(({ newStore, reopen }) => {
  it("records a delivery once: a replay, from this or another instance, is refused", async () => {
    const store = await newStore();
    const other = await reopen(store);
    expect(await store.recordWebhookDelivery(delivery("d-1"))).toBe(true);
    expect(await store.recordWebhookDelivery(delivery("d-1", 2_000))).toBe(false);
    expect(await other.recordWebhookDelivery(delivery("d-1", 3_000))).toBe(false);
    // The same id from another source is another delivery.
    expect(await other.recordWebhookDelivery(delivery("d-1", 3_000, "linear"))).toBe(true);
    expect(await other.recordWebhookDelivery(delivery("d-2"))).toBe(true);
  });

  it("of racing requests with one delivery id exactly one takes it", async () => {
    const store = await newStore();
    const other = await reopen(store);
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? other : store).recordWebhookDelivery(delivery("race", 1_000 + i))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("a forgotten delivery can be taken again; forgetting is idempotent", async () => {
    const store = await newStore();
    expect(await store.recordWebhookDelivery(delivery("d-1"))).toBe(true);
    await store.forgetWebhookDelivery("github:d-1");
    await store.forgetWebhookDelivery("github:d-1");
    await store.forgetWebhookDelivery("github:never");
    expect(await store.recordWebhookDelivery(delivery("d-1"))).toBe(true);
    expect(await store.recordWebhookDelivery(delivery("d-1"))).toBe(false);
  });

  it("retention deletes only deliveries older than the limit, in bounded batches", async () => {
    const store = await newStore();
    for (const [id, at] of [["old-1", 100], ["old-2", 200], ["old-3", 300], ["new-1", 5_000], ["edge", 1_000]] as const) {
      expect(await store.recordWebhookDelivery(delivery(id, at))).toBe(true);
    }
    const batches: number[] = [];
    for (let i = 0; i < 4; i++) {
      const n = await store.pruneWebhookDeliveries(1_000, 2);
      batches.push(n);
      if (n === 0) break;
    }
    expect(batches).toEqual([2, 1, 0]);
    // Pruned ones may be taken again; the recent ones (and the one exactly at the limit) are still refused.
    for (const id of ["old-1", "old-2", "old-3"]) expect(await store.recordWebhookDelivery(delivery(id, 6_000)), id).toBe(true);
    for (const id of ["new-1", "edge"]) expect(await store.recordWebhookDelivery(delivery(id, 6_000)), id).toBe(false);
  });

  it("counts each source's deliveries since a time and says when the latest arrived", async () => {
    const store = await newStore();
    const other = await reopen(store);
    expect(await store.webhookDeliveryStats(0)).toEqual([
      { source: "github", count: 0 },
      { source: "linear", count: 0 },
    ]);
    for (const [id, at] of [["g-1", 100], ["g-2", 2_000], ["g-3", 3_000]] as const) await store.recordWebhookDelivery(delivery(id, at));
    await other.recordWebhookDelivery(delivery("l-1", 500, "linear"));
    await store.recordWebhookDelivery(delivery("g-gone", 9_000));
    await store.forgetWebhookDelivery("github:g-gone");
    expect(await other.webhookDeliveryStats(2_000)).toEqual([
      { source: "github", count: 2, lastAt: 3_000 },
      { source: "linear", count: 0, lastAt: 500 },
    ]);
    expect((await store.webhookDeliveryStats(0)).map((s) => s.count)).toEqual([3, 1]);
  });
});
