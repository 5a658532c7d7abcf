/** Unit tests of the pieces under the scenarios: the index's incremental upkeep, scorer edges, requirements. */
import { describe, expect, it } from "vitest";
import { createIndex, placeJob, rankForFactory, REASON, resolveConfig } from "./index";
import { factory, job, MIN, NOW, snapshot, stations } from "./fixtures/build";
import { agedPriority, pastAgingThreshold } from "./priority";
import { compileRequirements, describeFactoryOffer, repoKey } from "./requirements";
import { costFit, factoryLoad, starvation, type ScoreContext } from "./scorers";
import { fnv1a, mulberry32, tieBreak } from "./prng";
import { Heap } from "./top-k";
import { productDeficits } from "./context";

describe("SchedulerIndex", () => {
  it("groups jobs by requirement signature and keeps groups current as jobs come and go", () => {
    const index = createIndex();
    const a = job("a", { manifest: { capabilities: ["gpu"] } });
    const b = job("b", { manifest: { capabilities: ["gpu"] } });
    const c = job("c");
    const fleet = [factory("g", { capabilities: ["gpu"] }), factory("plain")];
    index.sync(snapshot({ jobs: [a, b, c], factories: fleet }));
    expect(index.groupCount()).toBe(2);
    const plain = index.factory("plain")!;
    expect(index.feasibleGroups(plain.offer).map((g) => [...g.group.jobs.keys()])).toEqual([["c"]]);

    // a new group appears in the cached per-offer lists; an emptied group disappears from them
    const d = job("d", { manifest: { capabilities: ["os:linux"] } });
    index.sync(snapshot({ jobs: [a, b, d], factories: fleet }));
    expect(index.groupCount()).toBe(2);
    expect(index.feasibleGroups(plain.offer).map((g) => [...g.group.jobs.keys()])).toEqual([["d"]]);
    expect(index.feasibleGroups(index.factory("g")!.offer).flatMap((g) => [...g.group.jobs.keys()]).sort()).toEqual(["a", "b", "d"]);

    // a changed manifest moves the job to another group; an unchanged revision reuses its entry
    const a2 = job("a", { manifest: { capabilities: [] } });
    index.sync(snapshot({ jobs: [a2, b, d], factories: fleet }));
    expect(index.job("a")!.group.req.caps).toEqual([]);
    const withRev = job("b", { manifest: { capabilities: ["gpu"] }, revision: 3 });
    index.sync(snapshot({ jobs: [a2, withRev, d], factories: fleet }));
    const group = index.job("b")!.group;
    index.sync(snapshot({ jobs: [a2, { ...withRev, manifest: { ...withRev.manifest } }, d], factories: fleet }));
    expect(index.job("b")!.group).toBe(group);
    index.removeJob("nope");
  });

  it("tracks queued products, fleet rarity and the most expensive factory incrementally", () => {
    const index = createIndex();
    const fleet = [factory("m", { capabilities: ["has:xcode"], costPerHour: 5 }), factory("l1"), factory("l2")];
    index.sync(snapshot({ jobs: [job("x", { productId: "A" }), job("y", { productId: "B", stage: "assigned" })], factories: fleet }));
    expect([...index.queuedProducts()]).toEqual(["A"]);
    expect(index.rareWeights().get("has:xcode")).toBeCloseTo(2 / 3);
    expect(index.maxCostPerHour()).toBe(5);
    // same capabilities in new arrays: the offer is reused
    const offer = index.factory("l1")!.offer;
    index.sync(snapshot({ jobs: [], factories: [fleet[0]!, { ...fleet[1]!, capabilities: [], stations: stations({ claude: [1, 0] }) }, fleet[2]!] }));
    expect(index.factory("l1")!.offer).toBe(offer);
    expect([...index.queuedProducts()]).toEqual([]);
    // a capability change, a price change and a removal are all picked up
    index.sync(snapshot({ factories: [{ ...fleet[0]!, costPerHour: 2 }, { ...fleet[1]!, capabilities: ["has:xcode"] }] }));
    expect(index.rareWeights().has("has:xcode")).toBe(false);
    expect(index.maxCostPerHour()).toBe(2);
    index.sync(snapshot({ factories: [fleet[2]!] }));
    expect(index.maxCostPerHour()).toBe(1);
    expect([...index.factories()].map((f) => f.factory.id)).toEqual(["l2"]);
    index.removeFactory("ghost");
  });

  it("a reused index gives the same decisions as a fresh one", () => {
    const index = createIndex();
    const s1 = snapshot({ jobs: [job("a"), job("b", { manifest: { priority: "high" } })], factories: [factory("f"), factory("g")] });
    const s2 = { ...s1, jobs: [s1.jobs[0]!, job("c", { manifest: { capabilities: ["gpu"] } })] };
    for (const s of [s1, s2, s1]) {
      expect(rankForFactory(s, "f", { index })).toEqual(rankForFactory(s, "f"));
      expect(placeJob(s, "a", { index })).toEqual(placeJob(s, "a"));
    }
  });
});

describe("requirements", () => {
  const config = resolveConfig();

  it("keys repos by their last path segment", () => {
    expect(["git@github.com:acme/Web.git", "https://github.com/acme/web/", "repo:web", "web"].map(repoKey)).toEqual(["web", "web", "web", "web"]);
  });

  it("falls back to the default engine class, and sorts requirements into one signature", () => {
    const r1 = compileRequirements(job("a", { manifest: { engine: undefined, capabilities: ["gpu", "docker", "os:any"] } }), config);
    const r2 = compileRequirements(job("b", { manifest: { engine: undefined, capabilities: ["docker", "gpu"] } }), config);
    expect(r1.engines).toEqual(config.engineClasses["agentic-coder"]);
    expect(r1.signature).toBe(r2.signature);
    expect(r1.caps.map((c) => c.canonical)).toEqual(["docker", "gpu"]);
  });

  it("describes a factory: canonical capabilities, its os, engines with slots only", () => {
    const f = factory("f", { os: "mac", capabilities: ["OS:Darwin", "weird cap!"], stations: [{ engine: "claude", slots: 0, free: 0 }, { engine: "codex", slots: 1, free: 1 }] });
    const o = describeFactoryOffer(f);
    expect([...o.advertised].sort()).toEqual(["engine:codex", "os:mac", "weird cap!"]);
    expect([...o.engines]).toEqual(["codex"]);
  });
});

describe("scorers and priorities at their edges", () => {
  const ctx = (over: Partial<ScoreContext> = {}): ScoreContext => ({ config: resolveConfig(), now: NOW, maxCostPerHour: 0, productDeficit: new Map(), ...over });

  it("load from stations when not reported; a factory with no slots counts as full", () => {
    expect(factoryLoad(factory("f", { stations: stations({ claude: [4, 1] }) }))).toBe(0.75);
    expect(factoryLoad(factory("f", { stations: [] }))).toBe(1);
    expect(factoryLoad(factory("f", { load: 7 }))).toBe(1);
  });

  it("cost fit with a free fleet, and zero aging periods", () => {
    expect(costFit(1, factory("f", { costPerHour: 0 }), 0)).toBe(1);
    const c = ctx({ config: resolveConfig({ agingMs: { low: 0 } }) });
    const j = job("j", { manifest: { priority: "low" } });
    expect(starvation(j, c)).toBe(1);
    expect(agedPriority(j, NOW, c.config)).toBe("low");
    expect(pastAgingThreshold(j, NOW, c.config)).toBe(true);
    expect(agedPriority(job("k", { manifest: { priority: "low" }, queuedAt: NOW - 31 * MIN }), NOW, resolveConfig())).toBe("medium");
  });

  it("fair shares: no usage anywhere means nobody is over", () => {
    const d = productDeficits(snapshot({ fairness: { A: { used: 0 }, B: { used: 0, weight: 3 } } }), ["A", "B"]);
    expect(d.get("A")).toBe(0.25);
    expect(d.get("B")).toBe(0.75);
    const e = productDeficits(snapshot({ fairness: { A: { used: 5 } } }), ["C"]);
    expect(e.get("A")).toBe(-0.5);
    expect(e.get("C")).toBe(0.5);
  });

  it("prng: stable, order-independent, spread over [0, 1)", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(tieBreak("s", "a", "b")).toBe(tieBreak("s", "a", "b"));
    expect(tieBreak("s", "a", "b")).not.toBe(tieBreak("s", "ab"));
    const next = mulberry32(1);
    const xs = Array.from({ length: 100 }, next);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(new Set(xs).size).toBe(100);
  });

  it("heap pops in order", () => {
    const h = new Heap([5, 1, 4, 2, 3], (a, b) => a < b);
    expect([h.pop(), h.pop(), h.pop(), h.pop(), h.pop(), h.pop()]).toEqual([1, 2, 3, 4, 5, undefined]);
  });
});

describe("remaining decision branches", () => {
  it("a job holding its own lock is free to run; a lock held by another blocks", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { lock: "l" } })], factories: [factory("f")], locks: { l: "j" } });
    expect(placeJob(s, "j").kind).toBe("placed");
    expect(placeJob({ ...s, locks: { other: "x" } }, "j").kind).toBe("placed");
  });

  it("names a flag other than gpu as capability_missing, and counts every rejected factory", () => {
    const s = snapshot({ jobs: [job("j", { manifest: { capabilities: ["docker"] } })], factories: [factory("a"), factory("b")] });
    expect(placeJob(s, "j").counts).toEqual({ [REASON.capabilityMissing]: 2 });
  });

  it("placeJob of an unknown job explains itself", () => {
    expect(placeJob(snapshot(), "x")).toMatchObject({ kind: "unplaced", counts: { [REASON.notQueued]: 1 } });
  });
});

describe("ordering and victim choice tie-breaks", () => {
  it("at equal priority and score the job waiting longer goes first", () => {
    const s = snapshot({
      jobs: [job("newer", { queuedAt: NOW - 40 * MIN }), job("older", { queuedAt: NOW - 50 * MIN })],
      factories: [factory("f")],
    });
    const r = rankForFactory(s, "f");
    expect(r.ranked.map((x) => x.jobId)).toEqual(["older", "newer"]);
    expect(r.ranked[0]!.score).toBe(r.ranked[1]!.score);
  });

  it("duplicate requirements share a signature", () => {
    const config = resolveConfig();
    const a = compileRequirements(job("a", { manifest: { capabilities: ["gpu", "gpu", "docker"] } }), config);
    const b = compileRequirements(job("b", { manifest: { capabilities: ["docker", "gpu"] } }), config);
    expect(a.signature).toBe(b.signature);
  });

  it("among equally recent low jobs, preempts on the better factory, then by seed", async () => {
    const { findPreemption } = await import("./index");
    const lease = (id: string) => ({ leaseId: id, jobId: `run-${id}`, productId: "p", priority: "low" as const, engine: "claude", startedAt: NOW });
    const full = (id: string, over = {}) => factory(id, { stations: stations({ claude: [1, 0] }), running: [lease(`L-${id}`)], ...over });
    const crit = job("c", { manifest: { priority: "critical" } });
    const better = findPreemption(snapshot({ jobs: [crit], factories: [full("flaky", { recentFailures: 5 }), full("solid")] }), "c");
    expect(better).toMatchObject({ kind: "preempt", factoryId: "solid" });
    const picks = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const p = findPreemption(snapshot({ seed: `s${i}`, jobs: [crit], factories: [full("a"), full("b")] }), "c");
      if (p.kind === "preempt") picks.add(p.factoryId);
    }
    expect(picks).toEqual(new Set(["a", "b"]));
  });
});

describe("claimDecision", () => {
  it("records the claimer as the winner beside the fleet's best candidates", async () => {
    const { claimDecision } = await import("./index");
    const s = snapshot({ jobs: [job("j", { manifest: { repo: "web" } })], factories: [factory("cold"), factory("warm", { warmRepos: ["web"] })] });
    const d = claimDecision(s, "cold", "j");
    expect(d).toMatchObject({ kind: "placed", factoryId: "cold", feasibleCount: 2 });
    expect(d.kind === "placed" && d.candidates.map((c) => c.factoryId)).toEqual(["cold", "warm"]);
    const busy = snapshot({ ...s, factories: [factory("cold", { stations: stations({ claude: [1, 0] }) })] });
    expect(claimDecision(busy, "cold", "j")).toMatchObject({ kind: "unplaced", counts: { [REASON.noFreeStation]: 1 } });
    expect(claimDecision(s, "ghost", "j")).toMatchObject({ kind: "unplaced", jobReasons: [{ code: REASON.factoryOffline }] });
    expect(claimDecision(s, "cold", "nope").kind).toBe("unplaced");
  });
});
