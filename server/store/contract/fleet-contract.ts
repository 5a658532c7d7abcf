import "server-only";
import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../testing";
import { expectCode } from "./support";

/** The fleet's other documents: factories and heartbeats, API tokens, users, settings, profile snapshots. */
export function fleetContract({ newStore }: StoreFactory): void {
  describe("factories, tokens, users, settings, profiles", () => {
    it("registers factories, records heartbeats and status", async () => {
      const store = await newStore();
      const f = await store.registerFactory({
        id: "fa", productId: "p1", name: "mac-1", os: "mac", arch: "arm64", capabilities: ["os:mac"],
        stations: [{ engine: "claude", slots: 2 }], version: "1.0.0", tokenHash: "h1", now: 10,
      });
      expect(f).toMatchObject({ status: "online", free: [{ engine: "claude", slots: 2 }], lastHeartbeatAt: 10 });
      await expectCode(store.registerFactory({ ...f, now: 11 }), "conflict");
      await store.setFactoryStatus("fa", "offline", 20);
      const hb = await store.heartbeat("fa", { load: 0.5, free: [{ engine: "claude", slots: 1 }], running: [{ leaseId: "L", epoch: 1 }], now: 30 });
      expect(hb).toMatchObject({ status: "online", load: 0.5, lastHeartbeatAt: 30, running: [{ leaseId: "L", epoch: 1 }] });
      expect(await store.getFactoryByTokenHash("h1")).toEqual(hb);
      expect(await store.getFactoryByTokenHash("nope")).toBeUndefined();
      await store.setFactoryStatus("fa", "revoked", 40);
      await expectCode(store.setFactoryStatus("fa", "online", 41), "conflict");
      await expectCode(store.heartbeat("missing", { load: 0, free: [], running: [], now: 1 }), "not_found");
      expect((await store.listFactories()).map((x) => x.id)).toEqual(["fa"]);
      expect(await store.listFactories("p2")).toEqual([]);
    });

    it("keeps what a heartbeat re-reports (capabilities, warm repos, cost) and what it leaves out", async () => {
      const store = await newStore();
      const f = await store.registerFactory({
        id: "fw", productId: "p1", name: "lin-1", os: "linux", arch: "x64", capabilities: ["os:linux"],
        stations: [{ engine: "shell", slots: 1 }], version: "1.0.0", tokenHash: "hw", warm: ["repo:api"], costPerHour: 2.5, now: 10,
      });
      expect(f).toMatchObject({ capabilities: ["os:linux"], warm: ["repo:api"], costPerHour: 2.5 });
      const base = { load: 0, free: [], running: [] };
      const changed = await store.heartbeat("fw", { ...base, capabilities: ["os:linux", "gpu"], warm: ["repo:api", "repo:web"], costPerHour: 4, now: 20 });
      expect(changed).toMatchObject({ capabilities: ["os:linux", "gpu"], warm: ["repo:api", "repo:web"], costPerHour: 4 });
      const kept = await store.heartbeat("fw", { ...base, now: 30 });
      expect(kept).toMatchObject({ capabilities: ["os:linux", "gpu"], warm: ["repo:api", "repo:web"], costPerHour: 4, lastHeartbeatAt: 30 });
      expect(await store.getFactoryByTokenHash("hw")).toEqual(kept);
      const free = await store.heartbeat("fw", { ...base, warm: [], costPerHour: 0, now: 40 });
      expect(free).toMatchObject({ warm: [], costPerHour: 0 });
    });

    it("keeps API tokens, users, settings and profile snapshots", async () => {
      const store = await newStore();
      await store.createApiToken({ id: "t1", productId: "p1", name: "ci", role: "operator", tokenHash: "th", now: 1 });
      await expectCode(store.createApiToken({ id: "t1", productId: "p1", name: "ci", role: "operator", tokenHash: "th2", now: 1 }), "conflict");
      expect((await store.findApiTokenByHash("th"))?.role).toBe("operator");
      expect((await store.revokeApiToken("t1", 5)).revokedAt).toBe(5);
      expect((await store.revokeApiToken("t1", 9)).revokedAt).toBe(5);
      await expectCode(store.revokeApiToken("zz", 5), "not_found");
      expect((await store.listApiTokens()).length).toBe(1);

      await store.upsertUser({ id: "a@x.io", productId: "p1", name: "A", role: "viewer", passwordHash: "ph", now: 1 });
      const promoted = await store.setUserRole("a@x.io", "admin", 2);
      expect(promoted).toMatchObject({ role: "admin", createdAt: 1, updatedAt: 2, passwordHash: "ph" });
      expect(await store.getUser("a@x.io")).toEqual(promoted);
      await expectCode(store.setUserRole("b@x.io", "admin", 2), "not_found");
      expect((await store.listUsers()).map((u) => u.id)).toEqual(["a@x.io"]);
      await store.upsertUser({ id: "o@x.io", productId: "p1", name: "O", role: "viewer", provider: "github", now: 3 });
      expect(await store.getUser("o@x.io")).toMatchObject({ provider: "github", role: "viewer" });
      expect((await store.setUserRole("o@x.io", "operator", 4)).provider).toBe("github");
      expect((await store.listUsers()).map((u) => u.id)).toEqual(["a@x.io", "o@x.io"]);

      expect((await store.getSettings()).killSwitch.on).toBe(false);
      await store.setKillSwitch({ on: true, reason: "incident", by: "a@x.io", now: 7 });
      await Promise.all([store.setProductPaused("p1", true), store.setProductPaused("p2", true)]);
      const s = await store.getSettings();
      expect(s.killSwitch).toEqual({ on: true, reason: "incident", by: "a@x.io", at: 7 });
      expect(s.pausedProducts).toEqual(["p1", "p2"]);
      expect((await store.setProductPaused("p1", false)).pausedProducts).toEqual(["p2"]);

      const snap = { productId: "p1", name: "dev", version: "v1", text: "# dev", savedAt: 1 };
      expect(await store.saveProfileSnapshot(snap)).toEqual(snap);
      expect(await store.saveProfileSnapshot({ ...snap, savedAt: 2 })).toEqual(snap);
      expect(await store.getProfileSnapshot("p1", "dev", "v1")).toEqual(snap);
      expect(await store.getProfileSnapshot("p1", "dev", "v2")).toBeUndefined();
    });
  });
}
