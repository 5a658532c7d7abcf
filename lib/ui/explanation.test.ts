import { describe, expect, it } from "vitest";
import { explainDecision } from "./explanation";

describe("explainDecision", () => {
  it("explains a placement with its strongest score terms and the other candidates", () => {
    const e = explainDecision({
      kind: "placed",
      factoryId: "f2",
      factoryName: "mac-2",
      engine: "claude",
      score: 0.8123,
      terms: [
        { name: "load", value: 0.5, weight: 1 },
        { name: "warm-checkout", value: 1, weight: 2 },
        { name: "health", value: 0, weight: 1 },
      ],
      candidates: [
        { factoryId: "f2", factoryName: "mac-2", engine: "claude", score: 0.81, terms: [] },
        { factoryId: "f1", factoryName: "mac-1", engine: "claude", score: 0.4, terms: [] },
      ],
      rejected: [{ factoryId: "f3", name: "linux-1", reasons: [{ code: "os_mismatch", detail: "needs os:mac" }] }],
    });
    expect(e.kind).toBe("placed");
    expect(e.headline).toBe("placed on mac-2 (claude) with score 0.81 because warm-checkout 1×2, load 0.5×1; 1 other candidate scored lower");
    if (e.kind !== "placed") throw new Error("unreachable");
    expect(e.terms.map((t) => t.name)).toEqual(["warm-checkout", "load", "health"]);
    expect(e.candidates.map((c) => c.winner)).toEqual([true, false]);
    expect(e.rejected[0]).toEqual({ factory: "linux-1", reasons: [{ code: "os_mismatch", detail: "needs os:mac" }] });
  });

  it("lists every factory's failed constraints when unplaced", () => {
    const e = explainDecision({
      kind: "unplaced",
      jobReasons: [],
      factories: [
        { factoryId: "a", name: "mac-1", reasons: [{ code: "factory_offline", detail: "offline" }] },
        { factoryId: "b", name: "mac-2", reasons: [{ code: "factory_draining", detail: "draining" }, { code: "no_free_station", detail: "no free claude slot" }] },
      ],
      explanation: "no factory has has:xcode: mac-1 offline, mac-2 draining",
    });
    expect(e.headline).toBe("waiting because no factory has has:xcode: mac-1 offline, mac-2 draining");
    if (e.kind !== "unplaced") throw new Error("unreachable");
    expect(e.factories.map((f) => f.reasons.length)).toEqual([1, 2]);
  });

  it("builds a sentence from the reasons when the scheduler gave none", () => {
    const e = explainDecision({ kind: "unplaced", jobReasons: [{ code: "kill_switch", detail: "the kill switch is on" }], factories: [] });
    expect(e.headline).toBe("waiting because the kill switch is on");
  });

  it("falls back to the pending reason, then to 'no decision'", () => {
    expect(explainDecision(undefined, "lock web held by j-1").headline).toBe("waiting because lock web held by j-1");
    expect(explainDecision("garbage").headline).toBe("no scheduling decision yet");
  });

  it("says where a job was placed when no decision was stored", () => {
    const e = explainDecision(undefined, undefined, { factory: "mac-1", engine: "shell" });
    expect(e.headline).toBe("placed on mac-1 (shell); no score breakdown was recorded");
    expect(explainDecision({ kind: "unplaced", factories: [], jobReasons: [] }, "x", { factory: "m", engine: "e" }).kind).toBe("unplaced");
  });

  it("reads the coordinator's plain {factoryId, engine, reason} decision", () => {
    const e = explainDecision({ factoryId: "f-1", engine: "shell", reason: "first job this factory can run" }, undefined, undefined, new Map([["f-1", "mac-1"]]));
    expect(e.headline).toBe("placed on mac-1 (shell) because first job this factory can run");
  });
});
