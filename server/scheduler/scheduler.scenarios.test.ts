/**
 * Scenario fixtures of issue 6: each builds a small fleet and queue and checks one behaviour of the
 * scheduler through its public API only.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseCapability, satisfies } from "@/lib/capability";
import { PRIORITIES } from "@/lib/types";
import { explainPending, findPreemption, placeJob, rankForFactory, REASON, type Decision, type Placement } from "./index";
import { factory, job, MIN, NOW, snapshot, stations } from "./fixtures/build";

function placed(d: Decision): Placement {
  if (d.kind !== "placed") throw new Error(`expected a placement, got: ${d.explanation}`);
  return d;
}

const mac = (id: string, over = {}) => factory(id, { os: "mac", capabilities: ["os:mac", "has:xcode"], ...over });
const linux = (id: string, over = {}) => factory(id, { os: "linux", capabilities: ["os:linux", "docker"], ...over });

describe("capability miss", () => {
  it("never places a job on a factory lacking a required capability, and lists every failure", () => {
    const s = snapshot({
      jobs: [job("j", { manifest: { capabilities: ["has:xcode", "cred:github"] } })],
      factories: [linux("l1"), linux("l2", { capabilities: ["os:linux", "cred:github"] }), mac("m1")],
    });
    const d = placeJob(s, "j");
    expect(d.kind).toBe("unplaced");
    if (d.kind !== "unplaced") return;
    const l1 = d.factories.find((f) => f.factoryId === "l1")!;
    expect(l1.reasons.map((r) => r.detail)).toEqual(["needs cred:github", "needs has:xcode"]);
    expect(d.counts[REASON.capabilityMissing]).toBe(4);
    expect(d.explanation).toBe("no factory has all of cred:github and has:xcode with a claude station");
  });

  it("holds for random fleets and jobs (property)", () => {
    const capPool = ["os:mac", "os:linux", "has:xcode", "gpu", "cred:github", "node:18.19.0", "node:20.11.1", "team:web"];
    const reqPool = ["os:mac", "os:linux", "os:any", "has:xcode", "gpu", "cred:github", "node>=20", "node<20", "team:web"];
    fc.assert(
      fc.property(
        fc.array(fc.subarray(capPool), { minLength: 1, maxLength: 6 }),
        fc.subarray(reqPool, { maxLength: 3 }),
        fc.string(),
        (fleet, req, seed) => {
          const factories = fleet.map((caps, i) => factory(`f${i}`, { capabilities: caps, os: caps.includes("os:mac") ? "mac" : "linux" }));
          const d = placeJob(snapshot({ seed, jobs: [job("j", { manifest: { capabilities: req } })], factories }), "j");
          if (d.kind !== "placed") return;
          const f = factories.find((x) => x.id === d.factoryId)!;
          const advertised = new Set([...f.capabilities, `os:${f.os}`]);
          for (const r of req) {
            const p = parseCapability(r);
            expect(p.ok && satisfies(p.cap, advertised)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("version constraint", () => {
  it("matches node>=20 against the advertised node version", () => {
    const s = snapshot({
      jobs: [job("j", { manifest: { capabilities: ["node>=20"] } })],
      factories: [factory("old", { capabilities: ["node:18.19.0"] }), factory("none"), factory("new", { capabilities: ["node:20.11.1"] })],
    });
    const d = placed(placeJob(s, "j"));
    expect(d.factoryId).toBe("new");
    expect(d.rejected).toEqual([
      { factoryId: "old", name: "old", reasons: [{ code: REASON.versionUnmet, detail: "needs node>=20 (has node:18.19.0)" }] },
      { factoryId: "none", name: "none", reasons: [{ code: REASON.versionUnmet, detail: "needs node>=20 (no node version advertised)" }] },
    ]);
  });

  it("node>20 is not met by 20.11.1", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { capabilities: ["node>20"] } })], factories: [factory("f", { capabilities: ["node:20.11.1"] })] });
    expect(placeJob(s, "j").counts[REASON.versionUnmet]).toBe(1);
  });
});

describe("engine-class resolution", () => {
  const fleet = [factory("f", { stations: stations({ claude: [1, 0], codex: 1, gemini: 1 }) })];

  it("takes the first engine of the default class with a free station", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { engine: undefined, "engine-class": "agentic-coder" } })], factories: fleet });
    expect(placed(placeJob(s, "j")).engine).toBe("codex");
  });

  it("follows the profile's prefers-engine order", () => {
    const s = snapshot({
      jobs: [job("j", { manifest: { engine: undefined, "engine-class": "agentic-coder" }, preferEngines: ["gemini", "codex"] })],
      factories: fleet,
    });
    expect(placed(placeJob(s, "j")).engine).toBe("gemini");
  });

  it("an explicit engine overrides the class; a busy one is no_free_station", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { engine: "claude", "engine-class": "agentic-coder" } })], factories: fleet });
    const d = placeJob(s, "j");
    expect(d.kind === "unplaced" && d.factories[0]!.reasons).toEqual([{ code: REASON.noFreeStation, detail: "f busy (claude 1/1 busy)" }]);
  });

  it("an unknown class cannot run anywhere", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { engine: undefined, "engine-class": "telepath" } })], factories: fleet });
    const d = placeJob(s, "j");
    expect(d.kind === "unplaced" && d.jobReasons.map((r) => r.code)).toEqual([REASON.noEngine]);
  });

  it("a factory without the engine is engine_unavailable (not also no_free_station)", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { engine: "devin" } })], factories: fleet });
    const d = placeJob(s, "j");
    expect(d.kind === "unplaced" && d.factories[0]!.reasons.map((r) => r.code)).toEqual([REASON.engineUnavailable]);
    expect(d.kind === "unplaced" && d.explanation).toBe("no factory has a station for devin");
  });
});

describe("affinity", () => {
  it("prefers the factory with a warm checkout of the job's repo", () => {
    const s = snapshot({
      jobs: [job("j", { manifest: { repo: "git@github.com:acme/web.git" } })],
      factories: [factory("cold-1"), factory("warm", { warmRepos: ["repo:web"] }), factory("cold-2")],
    });
    const d = placed(placeJob(s, "j"));
    expect(d.factoryId).toBe("warm");
    expect(d.terms.find((t) => t.name === "warm-checkout")!.value).toBe(1);
    expect(d.candidates).toHaveLength(3);
  });

  it("honours prefers: factory:NAME and capability hints", () => {
    const fleet = [factory("a"), factory("b", { capabilities: ["ssd"] }), factory("c")];
    const byName = snapshot({ jobs: [job("j", { manifest: { prefers: ["factory:c"] } })], factories: fleet });
    expect(placed(placeJob(byName, "j")).factoryId).toBe("c");
    const byCap = snapshot({ jobs: [job("j", { manifest: { prefers: ["ssd", "bad cap!"] } })], factories: fleet });
    expect(placed(placeJob(byCap, "j")).factoryId).toBe("b");
  });
});

describe("rare-capability conservation", () => {
  const fleet = [mac("mac-1"), linux("lin-1"), linux("lin-2")];

  it("a job that needs nothing special does not take the only Xcode machine", () => {
    const s = snapshot({ jobs: [job("j")], factories: fleet });
    const d = placed(placeJob(s, "j"));
    expect(d.factoryId).not.toBe("mac-1");
    const macCandidate = d.candidates.find((c) => c.factoryId === "mac-1")!;
    expect(macCandidate.terms.find((t) => t.name === "capability-fit")!.value).toBeLessThan(1);
  });

  it("pull: mac-1 defers a generic job to an idle linux box, but takes it when linux is busy", () => {
    const s = snapshot({ jobs: [job("j")], factories: fleet });
    const r = rankForFactory(s, "mac-1");
    expect(r.ranked).toEqual([]);
    expect(r.deferred[0]!.reason).toMatch(/^deferred to lin-/);
    const busy = snapshot({
      jobs: [job("j")],
      factories: [mac("mac-1"), linux("lin-1", { stations: stations({ claude: [1, 0] }) }), linux("lin-2", { status: "draining" })],
    });
    expect(rankForFactory(busy, "mac-1").ranked.map((x) => x.jobId)).toEqual(["j"]);
  });

  it("pull: a job past its aging threshold is not deferred", () => {
    const s = snapshot({ jobs: [job("j", { queuedAt: NOW - 31 * MIN })], factories: fleet });
    expect(rankForFactory(s, "mac-1").ranked.map((x) => x.jobId)).toEqual(["j"]);
  });

  it("pull: mac-1 ranks the xcode job before a generic one", () => {
    const s = snapshot({
      jobs: [job("generic", { queuedAt: NOW - 5 * MIN }), job("ios", { manifest: { capabilities: ["has:xcode"] } })],
      factories: [mac("mac-1"), linux("lin-1", { stations: stations({ claude: [1, 0] }) })],
    });
    expect(rankForFactory(s, "mac-1").ranked.map((x) => x.jobId)).toEqual(["ios", "generic"]);
  });
});

describe("starvation aging", () => {
  it("a low job that waited past its threshold competes like medium, and wins on waiting time", () => {
    const s = snapshot({
      jobs: [job("med", { manifest: { priority: "medium" } }), job("old-low", { manifest: { priority: "low" }, queuedAt: NOW - 35 * MIN })],
      factories: [factory("f")],
    });
    const r = rankForFactory(s, "f");
    expect(r.ranked.map((x) => [x.jobId, x.priority])).toEqual([
      ["old-low", "medium"],
      ["med", "medium"],
    ]);
  });

  it("a fresh low job waits behind medium; aging stops at high", () => {
    const s = snapshot({
      jobs: [
        job("low", { manifest: { priority: "low" } }),
        job("med", { manifest: { priority: "medium" } }),
        job("ancient", { manifest: { priority: "low" }, queuedAt: NOW - 600 * MIN }),
        job("crit", { manifest: { priority: "critical" } }),
      ],
      factories: [factory("f")],
    });
    expect(rankForFactory(s, "f").ranked.map((x) => [x.jobId, x.priority])).toEqual([
      ["crit", "critical"],
      ["ancient", "high"],
      ["med", "medium"],
      ["low", "low"],
    ]);
  });
});

describe("product fairness", () => {
  it("a product over its share ranks behind one under it at equal priority", () => {
    const s = snapshot({
      jobs: [job("a1", { productId: "A", queuedAt: NOW - 10 * MIN }), job("b1", { productId: "B" })],
      factories: [factory("f")],
      fairness: { A: { used: 90 }, B: { used: 10 } },
    });
    expect(rankForFactory(s, "f").ranked.map((x) => x.jobId)).toEqual(["b1", "a1"]);
  });

  it("under sustained load a late product still gets about its share of claims", () => {
    // A floods the queue first; B arrives later. Each claim adds one unit of usage to its product.
    let jobs = [
      ...Array.from({ length: 20 }, (_, i) => job(`a${i}`, { productId: "A", queuedAt: NOW - 20 * MIN + i })),
      ...Array.from({ length: 10 }, (_, i) => job(`b${i}`, { productId: "B", queuedAt: NOW - 10 * MIN + i })),
    ];
    const used: Record<string, number> = { A: 0, B: 0 };
    const order: string[] = [];
    for (let k = 0; k < 20; k++) {
      const s = snapshot({ jobs, factories: [factory("f")], fairness: { A: { used: used.A! }, B: { used: used.B! } } });
      const top = rankForFactory(s, "f").ranked[0]!;
      order.push(top.productId);
      used[top.productId]! += 1;
      jobs = jobs.filter((j) => j.id !== top.jobId);
    }
    // Without fairness B would wait for all 20 of A's older jobs; with it the claims alternate.
    for (let k = 1; k <= 20; k++) {
      const b = order.slice(0, k).filter((p) => p === "B").length;
      expect(Math.abs(b - k / 2)).toBeLessThanOrEqual(1);
    }
  });

  it("weights change the share", () => {
    const s = snapshot({
      jobs: [job("a1", { productId: "A" }), job("b1", { productId: "B", queuedAt: NOW - MIN })],
      factories: [factory("f")],
      fairness: { A: { used: 60, weight: 3 }, B: { used: 40 } },
    });
    expect(rankForFactory(s, "f").ranked[0]!.jobId).toBe("a1");
  });
});

describe("budget", () => {
  it("a job whose budget is spent is not placed", () => {
    const s = snapshot({ jobs: [job("j", { budgetRemaining: { usd: 0, tokens: 10 } })], factories: [factory("f")] });
    const d = placeJob(s, "j");
    expect(d.kind === "unplaced" && d.jobReasons).toEqual([{ code: REASON.budgetExhausted, detail: "budget exhausted: usd" }]);
    const w = snapshot({ jobs: [job("j", { budgetRemaining: { wall: -1, tokens: 0 } })], factories: [factory("f")] });
    expect(explainPending(w, "j").sentence).toBe("waiting: budget exhausted: tokens, wall");
  });

  it("a tight budget or a low priority picks the cheaper factory; critical ignores cost", () => {
    const fleet = [factory("pricey", { costPerHour: 8, recentFailures: 0 }), factory("cheap", { costPerHour: 1, load: 0.3 })];
    const tight = snapshot({ jobs: [job("j", { manifest: { priority: "critical" }, budgetRemaining: { usd: 0.5 } })], factories: fleet });
    expect(placed(placeJob(tight, "j")).factoryId).toBe("cheap");
    const low = snapshot({ jobs: [job("j", { manifest: { priority: "low" } })], factories: fleet });
    expect(placed(placeJob(low, "j")).factoryId).toBe("cheap");
    const crit = snapshot({ jobs: [job("j", { manifest: { priority: "critical" } })], factories: fleet });
    expect(placed(placeJob(crit, "j")).factoryId).toBe("pricey");
  });
});

describe("lock contention", () => {
  it("a job whose lock is held elsewhere waits; the holder itself is not blocked", () => {
    const s = snapshot({
      jobs: [job("j1", { manifest: { lock: "web" } }), job("j2", { manifest: { lock: "web" } })],
      factories: [factory("f", { stations: stations({ claude: 2 }) })],
      locks: { web: "j1" },
    });
    expect(rankForFactory(s, "f").ranked.map((x) => x.jobId)).toEqual(["j1"]);
    expect(explainPending(s, "j2").sentence).toBe("waiting: lock web is held by j1");
    expect(placeJob(s, "j2").counts).toEqual({ [REASON.lockHeld]: 1 });
  });
});

describe("preemption", () => {
  const running = (leaseId: string, priority: "low" | "high", startedAt: number, engine = "claude") => ({
    leaseId,
    jobId: `run-${leaseId}`,
    productId: "p1",
    priority,
    engine,
    startedAt,
  });
  const full = factory("f", {
    stations: stations({ claude: [3, 0] }),
    running: [running("L-high", "high", NOW - 1), running("L-old", "low", NOW - 50 * MIN), running("L-new", "low", NOW - 5 * MIN)],
  });

  it("a critical job with no free station preempts the most recent low job", () => {
    const s = snapshot({ jobs: [job("crit", { manifest: { priority: "critical" } })], factories: [full] });
    const p = findPreemption(s, "crit");
    expect(p).toMatchObject({ kind: "preempt", leaseId: "L-new", victimJobId: "run-L-new", factoryId: "f", reason: "preempted" });
  });

  it("never preempts for a non-critical job, a free station, a missing capability, or a high job", () => {
    const high = snapshot({ jobs: [job("h", { manifest: { priority: "high" } })], factories: [full] });
    expect(findPreemption(high, "h").kind).toBe("none");
    const free = snapshot({ jobs: [job("c", { manifest: { priority: "critical" } })], factories: [full, factory("g")] });
    expect(findPreemption(free, "c")).toMatchObject({ kind: "none", detail: "a free station can take it" });
    const xcode = snapshot({ jobs: [job("c", { manifest: { priority: "critical", capabilities: ["has:xcode"] } })], factories: [full] });
    expect(findPreemption(xcode, "c").kind).toBe("none");
    const onlyHigh = factory("f", { stations: stations({ claude: [1, 0] }), running: [running("L", "high", NOW)] });
    expect(findPreemption(snapshot({ jobs: [job("c", { manifest: { priority: "critical" } })], factories: [onlyHigh] }), "c")).toMatchObject({
      kind: "none",
      detail: "no low-priority job runs on a factory that could take it",
    });
    const locked = snapshot({ jobs: [job("c", { manifest: { priority: "critical", lock: "x" } })], factories: [full], locks: { x: "other" } });
    expect(findPreemption(locked, "c").kind).toBe("none");
    expect(findPreemption(locked, "ghost").kind).toBe("none");
  });

  it("a low job on another engine or a draining factory is no victim", () => {
    const f = factory("f", { stations: stations({ claude: [1, 0], codex: [1, 0] }), running: [running("L", "low", NOW, "codex")] });
    const s = snapshot({ jobs: [job("c", { manifest: { priority: "critical" } })], factories: [f] });
    expect(findPreemption(s, "c").kind).toBe("none");
    const drain = factory("d", { status: "draining", stations: stations({ claude: [1, 0] }), running: [running("L", "low", NOW)] });
    expect(findPreemption(snapshot({ jobs: [job("c", { manifest: { priority: "critical" } })], factories: [drain] }), "c").kind).toBe("none");
  });
});

describe("determinism", () => {
  const twins = [factory("a"), factory("b"), factory("c")];

  it("the same snapshot and seed give the same decision", () => {
    const s = snapshot({ jobs: [job("j"), job("k")], factories: twins });
    expect(placeJob(s, "j")).toEqual(placeJob(s, "j"));
    expect(rankForFactory(s, "a")).toEqual(rankForFactory({ ...s, jobs: [...s.jobs].reverse() }, "a"));
  });

  it("a different seed can break a tie differently", () => {
    const winners = new Set<string>();
    for (let i = 0; i < 30; i++) winners.add(placed(placeJob(snapshot({ seed: `s${i}`, jobs: [job("j")], factories: twins }), "j")).factoryId);
    expect(winners.size).toBeGreaterThan(1);
    const firsts = new Set<string>();
    for (let i = 0; i < 30; i++) {
      firsts.add(rankForFactory(snapshot({ seed: `s${i}`, jobs: [job("x"), job("y")], factories: twins }), "a").ranked[0]!.jobId);
    }
    expect(firsts).toEqual(new Set(["x", "y"]));
  });
});

describe("pending explanations", () => {
  it('says "no factory has has:xcode: mac-1 offline, mac-2 draining"', () => {
    const s = snapshot({
      jobs: [job("j", { manifest: { capabilities: ["has:xcode"] } })],
      factories: [mac("mac-1", { status: "offline" }), mac("mac-2", { status: "draining" }), linux("lin-1")],
    });
    const e = explainPending(s, "j");
    expect(e.blocked).toBe(true);
    expect(e.sentence).toBe("no factory has has:xcode: mac-1 offline, mac-2 draining");
    expect(e.counts).toEqual({ [REASON.factoryOffline]: 1, [REASON.factoryDraining]: 1, [REASON.capabilityMissing]: 1 });
  });

  it("names the missing capability when no factory has it, and who could take a placeable job", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { capabilities: ["gpu", "os:any"] } }), job("k")], factories: [linux("lin-1")] });
    expect(explainPending(s, "j").sentence).toBe("no factory has gpu");
    expect(placeJob(s, "j").counts).toEqual({ [REASON.gpuMissing]: 1 });
    expect(explainPending(s, "k")).toMatchObject({ blocked: false, placeableOn: { factoryId: "lin-1", engine: "claude" } });
    expect(explainPending(s, "nope").sentence).toBe("job nope is not in the snapshot");
  });

  it("covers the job-level gates: kill switch, paused product, deps, stage, bad capability", () => {
    const s = snapshot({
      killSwitch: true,
      pausedProducts: ["p1"],
      jobs: [job("j", { stage: "blocked", depsMet: false, manifest: { deps: ["a", "b"], capabilities: ["node>=x"] } }), job("done", { stage: "shipped", manifest: { deps: [] } })],
      factories: [factory("f")],
    });
    expect(placeJob(s, "j").counts).toEqual({
      [REASON.killSwitch]: 1,
      [REASON.productPaused]: 1,
      [REASON.depsUnmet]: 1,
      [REASON.capabilityInvalid]: 1,
    });
    expect(placeJob(s, "done").counts[REASON.notQueued]).toBe(1);
    expect(explainPending(s, "done").sentence).toContain("job is shipped, not queued");
    const noDeps = snapshot({ jobs: [job("j", { depsMet: false })], factories: [factory("f")] });
    expect(explainPending(noDeps, "j").sentence).toBe("waiting: waiting for deps: (unknown)");
    expect(explainPending(snapshot({ jobs: [job("j")] }), "j").sentence).toBe("no factories are registered");
  });

  it("reports every failed constraint of a factory at once", () => {
    const s = snapshot({
      jobs: [job("j", { manifest: { capabilities: ["os:mac", "gpu", "node>=20"] } })],
      factories: [linux("lin-1", { status: "offline", healthy: false, recentFailures: 4, stations: stations({ claude: [1, 0] }) })],
    });
    const d = placeJob(s, "j");
    expect(d.kind === "unplaced" && d.factories[0]!.reasons.map((r) => r.code)).toEqual([
      REASON.gpuMissing,
      REASON.versionUnmet,
      REASON.osMismatch,
      REASON.factoryOffline,
      REASON.factoryUnhealthy,
      REASON.noFreeStation,
    ]);
  });
});

describe("health and load", () => {
  it("prefers the healthier and less loaded factory; unhealthy is infeasible", () => {
    const s = snapshot({
      jobs: [job("j")],
      factories: [factory("flaky", { recentFailures: 3 }), factory("busy", { load: 0.9 }), factory("good"), factory("sick", { healthy: false })],
    });
    const d = placed(placeJob(s, "j"));
    expect(d.factoryId).toBe("good");
    expect(d.rejected.map((r) => r.factoryId)).toEqual(["sick"]);
  });

  it("recent failures only lower the health term: the one factory that can run the job gets it, however many failed there", () => {
    const alone = snapshot({ jobs: [job("j")], factories: [factory("flaky", { recentFailures: 50 })] });
    const d = placed(placeJob(alone, "j"));
    expect(d.factoryId).toBe("flaky");
    expect(d.terms.find((t) => t.name === "health")!.value).toBeCloseTo(1 / 51);
    expect(rankForFactory(alone, "flaky").ranked.map((r) => r.jobId)).toEqual(["j"]);
    // With a clean factory beside it, the flaky one loses on that term alone (the rest are equal).
    const pair = snapshot({ jobs: [job("j")], factories: [factory("flaky", { recentFailures: 1 }), factory("clean")] });
    const both = placed(placeJob(pair, "j"));
    expect(both.factoryId).toBe("clean");
    const [first, second] = both.candidates;
    expect(second!.factoryId).toBe("flaky");
    const diff = first!.terms.filter((t, i) => t.value !== second!.terms[i]!.value).map((t) => t.name);
    expect(diff).toEqual(["health"]);
  });

  it("rankForFactory returns nothing for an offline, unknown or kill-switched factory, and respects the limit", () => {
    const s = snapshot({ jobs: PRIORITIES.map((p) => job(p, { manifest: { priority: p } })), factories: [factory("f", { stations: stations({ claude: 4 }) }), factory("off", { status: "offline" })] });
    expect(rankForFactory(s, "off").factoryReasons.map((r) => r.code)).toEqual([REASON.factoryOffline]);
    expect(rankForFactory(s, "ghost").factoryReasons[0]!.detail).toBe("factory ghost is not in the snapshot");
    expect(rankForFactory({ ...s, killSwitch: true }, "f").factoryReasons.map((r) => r.code)).toEqual([REASON.killSwitch]);
    const r = rankForFactory(s, "f", { limit: 2 });
    expect(r.ranked.map((x) => x.jobId)).toEqual(["critical", "high"]);
    expect(r.eligible).toBe(4);
  });
});
