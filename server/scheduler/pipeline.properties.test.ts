/**
 * Properties of the declared pipeline over random fleets and queues: the fast path (rankForFactory)
 * and the full placement (placeJob) iterate the same tables, so they must agree; and every score
 * shown is the sum of the terms shown beside it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PRIORITIES } from "@/lib/types";
import { factory, job, MIN, NOW, snapshot } from "./fixtures/build";
import { createIndex, FACTORY_CHECKS, JOB_CHECKS, placeJob, rankForFactory, SCORER_NAMES, SCORERS, type ScoreTerm, type Snapshot } from "./index";
import { total } from "./pipeline";

const ENGINES = ["claude", "codex", "shell"] as const;
const CAPS = ["gpu", "has:xcode", "region:eu", "node:20.11.1"] as const;
const NEEDS = ["gpu", "has:xcode", "region:eu", "node>=20", "os:mac"] as const;
const REPOS = ["web", "api"] as const;

const factoryArb = (i: number) =>
  fc
    .record({
      os: fc.constantFrom("linux" as const, "mac" as const),
      caps: fc.subarray([...CAPS]),
      stations: fc.array(fc.record({ engine: fc.constantFrom(...ENGINES), slots: fc.integer({ min: 0, max: 3 }), busy: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 3 }),
      status: fc.constantFrom("online" as const, "online" as const, "online" as const, "offline" as const, "draining" as const),
      healthy: fc.constantFrom(true, true, true, false),
      recentFailures: fc.integer({ min: 0, max: 3 }),
      cost: fc.double({ min: 0, max: 10, noNaN: true }),
      warm: fc.subarray([...REPOS]),
      load: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    })
    .map((f) =>
      factory(`f${i}`, {
        os: f.os,
        capabilities: f.caps,
        stations: f.stations.map((s) => ({ engine: s.engine, slots: s.slots, free: Math.max(0, s.slots - s.busy) })),
        status: f.status,
        healthy: f.healthy,
        recentFailures: f.recentFailures,
        costPerHour: f.cost,
        warmRepos: f.warm.map((r) => `repo:${r}`),
        ...(f.load !== undefined ? { load: f.load } : {}),
      }),
    );

const jobArb = (i: number) =>
  fc
    .record({
      needs: fc.subarray([...NEEDS], { maxLength: 1 }),
      prefers: fc.subarray(["gpu", "region:eu", "factory:f0"], { maxLength: 2 }),
      engine: fc.option(fc.constantFrom(...ENGINES), { nil: undefined }),
      priority: fc.constantFrom(...PRIORITIES),
      repo: fc.option(fc.constantFrom(...REPOS), { nil: undefined }),
      product: fc.constantFrom("p1", "p2"),
      waited: fc.integer({ min: 0, max: 60 }),
      lock: fc.option(fc.constantFrom("L1", "L2"), { nil: undefined }),
      stage: fc.constantFrom("queued" as const, "queued" as const, "queued" as const, "blocked" as const),
      usdLeft: fc.option(fc.double({ min: -1, max: 5, noNaN: true }), { nil: undefined, freq: 3 }),
    })
    .map((j) =>
      job(`j${i}`, {
        productId: j.product,
        stage: j.stage,
        depsMet: j.stage === "queued",
        queuedAt: NOW - j.waited * MIN,
        ...(j.usdLeft !== undefined ? { budgetRemaining: { usd: j.usdLeft } } : {}),
        manifest: {
          capabilities: j.needs,
          prefers: j.prefers,
          priority: j.priority,
          // no engine: the default engine class resolves it
          engine: j.engine,
          ...(j.repo ? { repo: j.repo } : {}),
          ...(j.lock ? { lock: j.lock } : {}),
        },
      }),
    );

const snapshotArb: fc.Arbitrary<Snapshot> = fc
  .record({
    nf: fc.integer({ min: 1, max: 6 }),
    nj: fc.integer({ min: 1, max: 16 }),
    paused: fc.constantFrom([], [], [], ["p2"]),
    lockHeld: fc.boolean(),
    used: fc.integer({ min: 0, max: 100 }),
  })
  .chain((s) =>
    fc
      .tuple(fc.tuple(...Array.from({ length: s.nf }, (_, i) => factoryArb(i))), fc.tuple(...Array.from({ length: s.nj }, (_, i) => jobArb(i))))
      .map(([factories, jobs]) =>
        snapshot({
          factories,
          jobs,
          pausedProducts: s.paused,
          locks: s.lockHeld ? { L1: "elsewhere" } : {},
          fairness: { p1: { used: s.used }, p2: { used: 100 - s.used } },
        }),
      ),
  );

// Large enough that no candidate or ranked job is cut off: the properties are about all of them.
const config = { maxCandidates: 100, rankLimit: 100 };

const sumOf = (terms: readonly ScoreTerm[]) => total(terms);

describe("the declared pipeline", () => {
  it("names each check and scorer once, and scores with exactly the configured scorer names", () => {
    for (const table of [JOB_CHECKS, FACTORY_CHECKS, SCORERS]) expect(new Set(table.map((c) => c.name)).size).toBe(table.length);
    expect(SCORERS.map((s) => s.name)).toEqual([...SCORER_NAMES]);
  });

  it("a factory's score equals the sum of its explained terms (placement and fast path), and both explain the same terms", () => {
    let ranked = 0;
    fc.assert(
      fc.property(snapshotArb, (snap) => {
        const index = createIndex(config);
        for (const f of snap.factories) {
          for (const r of rankForFactory(snap, f.id, { index }).ranked) {
            ranked++;
            expect(r.score).toBeCloseTo(sumOf(r.terms), 9);
            expect(r.terms.map((t) => t.name)).toEqual([...SCORER_NAMES]);
            const d = placeJob(snap, r.jobId, { index });
            const c = d.kind === "placed" ? d.candidates.find((x) => x.factoryId === f.id) : undefined;
            expect(c?.terms).toEqual(r.terms);
          }
        }
        for (const j of snap.jobs) {
          const d = placeJob(snap, j.id, { index });
          if (d.kind !== "placed") continue;
          expect(d.score).toBeCloseTo(sumOf(d.terms), 9);
          for (const c of d.candidates) expect(c.score).toBeCloseTo(sumOf(c.terms), 9);
        }
      }),
      { numRuns: 150 },
    );
    // The random fleets must exercise the property, not pass it by ranking nothing.
    expect(ranked).toBeGreaterThan(75);
  });

  it("whatever the fast path ranks for a factory, full placement finds that factory feasible (deferred jobs aside)", () => {
    let checked = 0;
    let deferrals = 0;
    fc.assert(
      fc.property(snapshotArb, (snap) => {
        const index = createIndex(config);
        for (const f of snap.factories) {
          const ranking = rankForFactory(snap, f.id, { index });
          checked += ranking.ranked.length;
          deferrals += ranking.deferred.length;
          const deferred = new Set(ranking.deferred.map((d) => d.jobId));
          for (const r of ranking.ranked) {
            expect(deferred.has(r.jobId)).toBe(false);
            const d = placeJob(snap, r.jobId, { index });
            expect(d.kind, JSON.stringify(d)).toBe("placed");
            if (d.kind !== "placed") continue;
            expect(d.rejected.map((x) => x.factoryId)).not.toContain(f.id);
            const mine = d.candidates.find((c) => c.factoryId === f.id);
            expect(mine?.engine).toBe(r.engine);
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(75);
    expect(deferrals).toBeGreaterThan(0);
  });

  it("and the converse: a job placement finds feasible on an available factory is ranked or deferred there", () => {
    fc.assert(
      fc.property(snapshotArb, (snap) => {
        const index = createIndex(config);
        for (const f of snap.factories) {
          const ranking = rankForFactory(snap, f.id, { index });
          const seen = new Set([...ranking.ranked.map((r) => r.jobId), ...ranking.deferred.map((d) => d.jobId)]);
          for (const j of snap.jobs) {
            const d = placeJob(snap, j.id, { index });
            if (d.kind === "placed" && d.candidates.some((c) => c.factoryId === f.id)) expect(seen.has(j.id)).toBe(true);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
