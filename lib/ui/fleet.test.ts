import { describe, expect, it } from "vitest";
import type { FactoryView, JobView } from "./api-types";
import { jobsByFactory, stationUse, statusRank, warmRepos } from "./fleet";

describe("fleet helpers", () => {
  it("counts busy and free slots per engine, clamping bad reports", () => {
    expect(
      stationUse({
        stations: [
          { engine: "shell", slots: 2 },
          { engine: "claude", slots: 1 },
          { engine: "codex", slots: 1 },
        ],
        free: [
          { engine: "shell", slots: 1 },
          { engine: "codex", slots: 5 },
        ],
      }),
    ).toEqual([
      { engine: "shell", slots: 2, busy: 1, free: 1 },
      { engine: "claude", slots: 1, busy: 1, free: 0 },
      { engine: "codex", slots: 1, busy: 0, free: 1 },
    ]);
  });
  it("groups leased jobs by factory", () => {
    const job = (id: string, factoryId?: string) =>
      ({ id, lease: factoryId ? { id: "l", epoch: 1, factoryId, engine: "shell", grantedAt: "", expiresAt: "" } : undefined }) as JobView;
    const m = jobsByFactory([job("a", "f1"), job("b"), job("c", "f1")]);
    expect([...m.entries()].map(([k, v]) => [k, v.map((j) => j.id)])).toEqual([["f1", ["a", "c"]]]);
  });
  it("finds warm repos and ranks problems first", () => {
    expect(warmRepos({ capabilities: ["os:linux", "repo:web"] } as FactoryView)).toEqual(["repo:web"]);
    expect(warmRepos({ capabilities: [], warm: ["repo:api"] } as unknown as FactoryView)).toEqual(["repo:api"]);
    expect(["online", "offline", "draining"].sort((a, b) => statusRank(a) - statusRank(b))).toEqual(["offline", "draining", "online"]);
  });
});
