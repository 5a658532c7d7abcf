import { describe, expect, it } from "vitest";
import { countOps } from "./op-counter";
import type { ProviderCore, SharedParts } from "./parts";
import { factoryWrites } from "./rules/factories";
import { settingsWrites } from "./rules/settings";
import { enrollmentPart, opsPart, trackerSyncPart, webhookPart } from "./parts";
import type { FactoryRecord, Settings } from "./records";

/** A core with only the methods these tests call: the join reads the prototype, as it does for a provider. */
class Core {
  readonly kind = "sqlite" as const;
  async getSettings(): Promise<Settings> {
    return { killSwitch: { on: false, reason: "", by: "", at: 0 }, pausedProducts: [], version: 0 };
  }
}

const unused = () => {
  throw new Error("not called here");
};
const docs = { create: unused, findByHash: unused, list: unused, use: unused, revoke: unused };
const ops = { listAlertStates: unused, saveAlertState: unused, deleteAlertState: unused, enqueueDeliveries: unused, listDeliveries: unused, saveDelivery: unused };

function shared(change: (c: (s: Settings) => Settings) => Settings): SharedParts {
  return {
    ...enrollmentPart(docs),
    ...opsPart(ops),
    ...webhookPart({ record: unused, forget: unused, prune: unused, stats: unused }),
    ...trackerSyncPart({ get: unused, save: unused, listDue: unused, countPending: unused }),
    ...settingsWrites(change),
    ...factoryWrites((): FactoryRecord => unused()),
  };
}

describe("countOps joins a provider's core with the shared parts", () => {
  it("routes a shared method to its part and counts it beside the core's", async () => {
    let settings: Settings = { killSwitch: { on: false, reason: "", by: "", at: 0 }, pausedProducts: [], version: 0 };
    const store = countOps(new Core() as unknown as ProviderCore, shared((c) => (settings = { ...c(settings), version: settings.version + 1 })));
    await store.getSettings();
    const next = await store.setProductPaused("p1", true);
    expect(next.pausedProducts).toEqual(["p1"]);
    expect(store.opCounts()).toEqual({ getSettings: 1, setProductPaused: 1 });
  });

  it("a synchronous throw inside a part arrives as a rejection, as from an async provider method", async () => {
    const store = countOps(new Core() as unknown as ProviderCore, shared(() => unused()));
    const p = store.setKillSwitch({ on: true, reason: "r", by: "u", now: 1 });
    await expect(p).rejects.toThrow("not called here");
  });

  it("refuses a provider that writes a shared method itself (its rule would be stated twice)", () => {
    class Restating extends Core {
      async setKillSwitch(): Promise<Settings> {
        return this.getSettings();
      }
    }
    expect(() => countOps(new Restating() as unknown as ProviderCore, shared(() => unused()))).toThrow(/restates the shared method setKillSwitch/);
  });
});
