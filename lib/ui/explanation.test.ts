import { describe, expect, it } from "vitest";
import { explainDecision, explainJob, explainPending } from "./explanation";

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
    expect(e.headline).toBe("placed on mac-2 (claude) because warm-checkout 1×2, load 0.5×1 (score 0.81); 1 other candidate scored lower");
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

// The shapes below are what the built app returned (GET /api/fleet/jobs/{id}) for a shell job and
// for a job asking for `has:xcode, gpu` on the Linux e2e factory.
const STORED_DECISION = {
  kind: "placed",
  jobId: "j-1",
  factoryId: "f-1",
  factoryName: "e2e-factory",
  engine: "shell",
  score: 8.895,
  terms: [
    { name: "capability-fit", value: 1, weight: 3 },
    { name: "load", value: 0.395, weight: 1 },
    { name: "fairness", value: 1, weight: 4 },
  ],
  feasibleCount: 5,
  counts: {},
  rejectedTotal: 9,
  pull: { rank: 2, eligible: 7, aged: { from: "low", to: "normal" }, waitedMs: 1 },
  candidates: [
    { factoryId: "f-1", factoryName: "e2e-factory", engine: "shell", score: 8.9, terms: [{ name: "load", value: 0.4, weight: 1 }] },
    { factoryId: "f-2", factoryName: "mac-2", engine: "shell", score: 7.1, terms: [{ name: "load", value: 0.9, weight: 1 }] },
  ],
  rejected: [],
};

const PENDING = {
  jobId: "j-2",
  blocked: true,
  sentence: "no factory has gpu, has:xcode",
  jobReasons: [],
  factories: [
    {
      factoryId: "f-1",
      name: "e2e-factory",
      reasons: [
        { code: "gpu_missing", detail: "needs gpu" },
        { code: "capability_missing", detail: "needs has:xcode" },
      ],
    },
  ],
  counts: { gpu_missing: 1, capability_missing: 1 },
};

describe("the API's real shapes", () => {
  it("a stored decision: the runner-ups with their terms, the candidates left out, the pull rank", () => {
    const e = explainDecision(STORED_DECISION);
    if (e.kind !== "placed") throw new Error("expected placed");
    expect(e.headline).toBe("placed on e2e-factory (shell) because fairness 1×4, capability-fit 1×3, load 0.4×1 (score 8.9); 4 other candidates scored lower");
    expect(e.candidates[1]).toMatchObject({ factory: "mac-2", winner: false, terms: [{ name: "load", contribution: 0.9 }] });
    expect(e.rejectedTotal).toBe(9);
    expect(e.pull).toEqual({ rank: 2, eligible: 7, aged: { from: "low", to: "normal" }, waitedMs: 1 });
  });

  it("pending: every failed constraint of every factory, not only the first", () => {
    const e = explainPending(PENDING);
    if (e?.kind !== "unplaced") throw new Error("expected unplaced");
    expect(e.headline).toBe("waiting because no factory has gpu, has:xcode");
    expect(e.factories).toEqual([{ factory: "e2e-factory", reasons: PENDING.factories[0]!.reasons }]);
  });

  it("pending: where it could run once the job-level reasons clear, and the last claim round's note", () => {
    const e = explainPending({
      sentence: "waiting: the kill switch is on",
      blocked: true,
      jobReasons: [{ code: "kill_switch", detail: "the kill switch is on" }],
      factories: [],
      counts: {},
      placeableOn: { factoryId: "f-1", factoryName: "mac-1", engine: "claude" },
      lastRound: { reason: "deferred to mac-2", at: "2026-01-01T00:00:00.000Z" },
    });
    if (e?.kind !== "unplaced") throw new Error("expected unplaced");
    expect(e.headline).toBe("waiting: the kill switch is on");
    expect(e.placeableOn).toEqual({ factory: "mac-1", engine: "claude" });
    expect(e.lastRound?.reason).toBe("deferred to mac-2");
    expect(explainPending(undefined)).toBeUndefined();
  });

  it("explainJob: a waiting job is explained by why it waits now, a placed one by its decision", () => {
    // A requeued job still carries its last decision: the page must not say "placed on …".
    expect(explainJob({ stage: "queued", pending: PENDING, decision: STORED_DECISION }).kind).toBe("unplaced");
    expect(explainJob({ stage: "queued", pendingReason: "retry: verify failed", decision: STORED_DECISION }).headline).toBe("waiting because retry: verify failed");
    expect(explainJob({ stage: "building", pending: PENDING, decision: STORED_DECISION }).kind).toBe("placed");
  });
});
