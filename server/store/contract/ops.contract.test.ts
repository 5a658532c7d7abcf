import { expect, it } from "vitest";
import type { AlertStateRecord, DeliveryRecord } from "../ops-records";
import { forEachProvider } from "../testing";

/**
 * The operations documents (alert episodes, the alert outbox, operator settings), the same on both
 * providers: creates happen once, replaces and deletes are conditional on the version, and a
 * second handle (another app instance) sees the first one's writes.
 */
const alert = (over: Partial<AlertStateRecord> = {}): AlertStateRecord => ({
  id: "dead_letter:j-1",
  kind: "dead_letter",
  subject: "j-1",
  message: "j-1 is in dead_letter",
  openedAt: 1_000,
  notices: 0,
  version: 0,
  ...over,
});

const delivery = (id: string, over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id,
  alertId: "dead_letter:j-1",
  sink: "webhook",
  notice: { notice: "fired", kind: "dead_letter", subject: "j-1", message: "m", openedAt: 1_000, at: 1_000 },
  attempts: 0,
  nextAttemptAt: 1_000,
  createdAt: 1_000,
  version: 0,
  ...over,
});

forEachProvider(({ newStore, reopen }) => {
  it("alert episodes: one create wins, replace and delete are conditional on the version", async () => {
    const store = await newStore();
    const other = await reopen(store);
    expect(await store.saveAlertState(alert(), null)).toBe(true);
    expect(await other.saveAlertState(alert({ message: "second opener" }), null)).toBe(false);
    const [stored] = await other.listAlertStates();
    expect(stored).toEqual(alert({ version: 1 }));

    expect(await store.saveAlertState({ ...stored!, notices: 1, lastNoticeAt: 2_000 }, 1)).toBe(true);
    // The other instance still holds version 1: its write loses.
    expect(await other.saveAlertState({ ...stored!, notices: 1, lastNoticeAt: 2_500 }, 1)).toBe(false);
    expect((await other.listAlertStates())[0]).toEqual(alert({ notices: 1, lastNoticeAt: 2_000, version: 2 }));

    expect(await other.deleteAlertState(stored!.id, 1)).toBe(false);
    expect(await other.deleteAlertState(stored!.id, 2)).toBe(true);
    expect(await store.deleteAlertState(stored!.id, 2)).toBe(false);
    expect(await store.listAlertStates()).toEqual([]);
  });

  it("the outbox: enqueue is idempotent, due lists pending only (soonest first), a send is taken once", async () => {
    const store = await newStore();
    const other = await reopen(store);
    await store.enqueueDeliveries([delivery("a", { nextAttemptAt: 3_000, createdAt: 1 }), delivery("b", { nextAttemptAt: 2_000, createdAt: 2 }), delivery("c", { nextAttemptAt: 9_000, createdAt: 3 })]);
    await other.enqueueDeliveries([delivery("a", { attempts: 7, nextAttemptAt: 1 })]);
    expect((await store.listDeliveries({ dueBy: 5_000, limit: 10 })).map((d) => [d.id, d.attempts])).toEqual([
      ["b", 0],
      ["a", 0],
    ]);
    expect((await store.listDeliveries({ dueBy: 5_000, limit: 1 })).map((d) => d.id)).toEqual(["b"]);
    expect((await store.listDeliveries({ limit: 10 })).map((d) => d.id)).toEqual(["c", "b", "a"]);

    const [b] = await store.listDeliveries({ dueBy: 2_000, limit: 1 });
    expect(await store.saveDelivery({ ...b!, attempts: 1, nextAttemptAt: 60_000 }, b!.version)).toBe(true);
    expect(await other.saveDelivery({ ...b!, attempts: 1, nextAttemptAt: 60_000 }, b!.version)).toBe(false);
    // Delivered: no longer due at any time, still listed for the Admin page.
    const taken = (await store.listDeliveries({ limit: 10 })).find((d) => d.id === "b")!;
    const { nextAttemptAt: _, ...rest } = taken;
    expect(await store.saveDelivery({ ...rest, deliveredAt: 2_100 }, taken.version)).toBe(true);
    expect((await other.listDeliveries({ dueBy: 1e15, limit: 10 })).map((d) => d.id)).toEqual(["a", "c"]);
    expect((await other.listDeliveries({ limit: 10 })).find((d) => d.id === "b")).toEqual({ ...rest, deliveredAt: 2_100, version: 3 });
  });

  it("operator settings are saved beside the kill switch and seen by another instance", async () => {
    const store = await newStore();
    const other = await reopen(store);
    await store.setKillSwitch({ on: true, reason: "r", by: "a", now: 5 });
    const ops = { slaMs: { critical: 60_000 }, alerts: { slackUrl: "https://hooks.example/x" }, updatedAt: 7, by: "admin" };
    const saved = await store.saveOperationsSettings(ops);
    expect(saved.operations).toEqual(ops);
    const seen = await other.getSettings();
    expect(seen.operations).toEqual(ops);
    expect(seen.killSwitch.on).toBe(true);
  });
});
