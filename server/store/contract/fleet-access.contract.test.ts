import { expect, it } from "vitest";
import type { NewFactory } from "../port";
import { isStoreError } from "../errors";
import { forEachProvider } from "../testing";

/**
 * Issue 14 §7 on both providers: factory names are unique among factories that are not revoked
 * (any case), also when registrations race; a revoked factory gives its name up. A factory held for
 * approval stays pending until approved (online) or revoked. Stored enrollment tokens keep their
 * expiry and use count; racing uses never pass the count.
 */
const factory = (id: string, name: string, now = 10): NewFactory => ({
  id, productId: "p1", name, os: "linux", arch: "x64", capabilities: ["os:linux"],
  stations: [{ engine: "shell", slots: 1 }], version: "1.0.0", tokenHash: `h-${id}`, now,
});

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return isStoreError(e) ? { code: e.code, details: e.details } : e;
  }
}

forEachProvider(({ newStore }) => {
  it("a second factory cannot take a name a live factory holds, in any case; a revoked one gives it up", async () => {
    const store = await newStore();
    await store.registerFactory(factory("f1", "mac-1"));
    expect(await codeOf(store.registerFactory(factory("f2", "mac-1")))).toEqual({ code: "conflict", details: { reason: "name_taken", name: "mac-1", factoryId: "f1" } });
    expect(await codeOf(store.registerFactory(factory("f3", "MAC-1")))).toMatchObject({ code: "conflict", details: { reason: "name_taken", factoryId: "f1" } });
    await store.setFactoryStatus("f1", "offline", 20);
    expect(await codeOf(store.registerFactory(factory("f4", "mac-1")))).toMatchObject({ code: "conflict" });
    await store.setFactoryStatus("f1", "revoked", 30);
    expect((await store.registerFactory(factory("f5", "mac-1", 40))).name).toBe("mac-1");
    expect((await store.listFactories()).map((f) => f.id).sort()).toEqual(["f1", "f5"]);
  });

  it("of racing registrations of one name exactly one gets it", async () => {
    const store = await newStore();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => codeOf(store.registerFactory(factory(`r${i}`, "lin-1")))));
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r !== "ok").every((r) => (r as { code: string }).code === "conflict")).toBe(true);
    expect((await store.listFactories()).filter((f) => f.name === "lin-1")).toHaveLength(1);
  });

  it("a pending factory stays pending through heartbeats and can only be approved (online) or revoked", async () => {
    const store = await newStore();
    const f = await store.registerFactory({ ...factory("fp", "held-1"), pending: true });
    expect(f.status).toBe("pending");
    expect((await store.heartbeat("fp", { load: 0, free: [], running: [], now: 20 })).status).toBe("pending");
    expect(await codeOf(store.setFactoryStatus("fp", "draining", 21))).toMatchObject({ code: "conflict", details: { reason: "pending" } });
    expect(await codeOf(store.setFactoryStatus("fp", "offline", 21))).toMatchObject({ code: "conflict" });
    expect((await store.setFactoryStatus("fp", "online", 22)).status).toBe("online");
    expect((await store.registerFactory(factory("fq", "held-2"))).status).toBe("online");
  });

  it("keeps enrollment tokens with their expiry and use count; a use past either, or after revoke, is refused", async () => {
    const store = await newStore();
    const base = { productId: "p1", createdBy: "admin", now: 100 };
    const t = await store.createEnrollmentToken({ ...base, id: "e1", name: "lab", tokenHash: "eh1", expiresAt: 1_000, maxUses: 2 });
    expect(t).toEqual({ id: "e1", productId: "p1", name: "lab", tokenHash: "eh1", createdAt: 100, createdBy: "admin", expiresAt: 1_000, maxUses: 2, uses: 0 });
    expect(await codeOf(store.createEnrollmentToken({ ...base, id: "e1", name: "x", tokenHash: "eh9" }))).toMatchObject({ code: "conflict" });
    expect(await codeOf(store.createEnrollmentToken({ ...base, id: "e9", name: "x", tokenHash: "eh1" }))).toMatchObject({ code: "conflict" });
    expect((await store.findEnrollmentTokenByHash("eh1"))?.id).toBe("e1");
    expect(await store.findEnrollmentTokenByHash("nope")).toBeUndefined();
    expect((await store.useEnrollmentToken("e1", 200)).uses).toBe(1);
    expect((await store.useEnrollmentToken("e1", 300)).uses).toBe(2);
    expect(await codeOf(store.useEnrollmentToken("e1", 400))).toMatchObject({ code: "conflict", details: { reason: "used_up" } });

    await store.createEnrollmentToken({ ...base, id: "e2", name: "day", tokenHash: "eh2", expiresAt: 1_000 });
    expect((await store.useEnrollmentToken("e2", 999)).uses).toBe(1);
    expect(await codeOf(store.useEnrollmentToken("e2", 1_000))).toMatchObject({ code: "conflict", details: { reason: "expired" } });

    await store.createEnrollmentToken({ ...base, id: "e3", name: "open", tokenHash: "eh3" });
    expect((await store.revokeEnrollmentToken("e3", 500)).revokedAt).toBe(500);
    expect((await store.revokeEnrollmentToken("e3", 600)).revokedAt).toBe(500);
    expect(await codeOf(store.useEnrollmentToken("e3", 700))).toMatchObject({ code: "conflict", details: { reason: "revoked" } });
    expect(await codeOf(store.useEnrollmentToken("zz", 700))).toMatchObject({ code: "not_found" });
    expect(await codeOf(store.revokeEnrollmentToken("zz", 700))).toMatchObject({ code: "not_found" });
    expect((await store.listEnrollmentTokens()).map((x) => [x.id, x.uses])).toEqual([["e1", 2], ["e2", 1], ["e3", 0]]);
  });

  it("of racing uses of a token with 3 uses left exactly 3 succeed", async () => {
    const store = await newStore();
    await store.createEnrollmentToken({ id: "er", productId: "p1", name: "race", tokenHash: "ehr", createdBy: "admin", maxUses: 3, now: 1 });
    const results = await Promise.all(Array.from({ length: 8 }, () => codeOf(store.useEnrollmentToken("er", 2))));
    expect(results.filter((r) => r === "ok")).toHaveLength(3);
    expect(results.filter((r) => r !== "ok").every((r) => (r as { details?: { reason?: string } }).details?.reason === "used_up")).toBe(true);
    expect((await store.listEnrollmentTokens())[0]!.uses).toBe(3);
  });
});
