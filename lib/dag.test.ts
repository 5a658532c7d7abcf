import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { dependentsOf, findCycle, formatCycle, readySet, waitingOn, type DagJob } from "./dag";
import type { Stage } from "./types";

const n = (id: string, ...deps: string[]) => ({ id, deps });

describe("findCycle", () => {
  it("returns null for a DAG", () => {
    expect(findCycle([])).toBeNull();
    expect(findCycle([n("a"), n("b", "a"), n("c", "a", "b")])).toBeNull();
  });

  it("spells out a three-node cycle", () => {
    expect(findCycle([n("a", "b"), n("b", "c"), n("c", "a")])).toEqual(["a", "b", "c", "a"]);
    expect(formatCycle(["a", "b", "c", "a"])).toBe("a → b → c → a");
  });

  it("finds a self-dependency and a two-cycle", () => {
    expect(findCycle([n("a", "a")])).toEqual(["a", "a"]);
    expect(findCycle([n("x"), n("a", "b"), n("b", "a")])).toEqual(["a", "b", "a"]);
  });

  it("finds a cycle reachable only through a tail", () => {
    expect(findCycle([n("start", "a"), n("a", "b"), n("b", "c"), n("c", "b")])).toEqual(["b", "c", "b"]);
  });

  it("ignores dependencies on unknown ids", () => {
    expect(findCycle([n("a", "ghost"), n("b", "a", "ghost")])).toBeNull();
  });

  it("handles a 50,000-long chain without recursion", () => {
    const chain = Array.from({ length: 50_000 }, (_, i) => n(`j${i}`, ...(i > 0 ? [`j${i - 1}`] : [])));
    expect(findCycle(chain)).toBeNull();
    chain[0] = n("j0", "j49999");
    expect(findCycle(chain)?.length).toBe(50_001);
  });

  it("a reported cycle is real: each node depends on the next", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 })), { maxLength: 8 }),
        (spec) => {
          const nodes = spec.map(([id, deps]) => n(`n${id}`, ...deps.map((d) => `n${d}`)));
          const cycle = findCycle(nodes);
          if (cycle === null) return;
          expect(cycle[0]).toBe(cycle[cycle.length - 1]);
          for (let i = 0; i + 1 < cycle.length; i++) {
            expect(nodes.some((x) => x.id === cycle[i] && x.deps.includes(cycle[i + 1]!))).toBe(true);
          }
        },
      ),
    );
  });
});

describe("readySet and waitingOn", () => {
  const job = (id: string, stage: Stage, ...deps: string[]): DagJob => ({ id, stage, deps });

  it("a job is ready when every dependency is in testing or shipped", () => {
    const jobs = [
      job("a", "shipped"),
      job("b", "testing"),
      job("c", "review"),
      job("d", "queued", "a", "b"),
      job("e", "blocked", "a", "c"),
      job("f", "blocked", "a"),
      job("g", "queued"),
      job("h", "queued", "ghost"),
      job("i", "building"),
    ];
    expect(readySet(jobs).map((j) => j.id)).toEqual(["d", "f", "g"]);
  });

  it("waitingOn lists each unmet dependency with its stage", () => {
    const byId = new Map<string, { stage: Stage }>([
      ["a", { stage: "shipped" }],
      ["c", { stage: "failed" }],
    ]);
    expect(waitingOn(n("x", "a", "c", "zz"), byId)).toEqual([
      { id: "c", stage: "failed" },
      { id: "zz", stage: "missing" },
    ]);
    expect(waitingOn(n("x", "a"), { a: { stage: "testing" } })).toEqual([]);
    expect(waitingOn(n("x", "toString"), {})).toEqual([{ id: "toString", stage: "missing" }]);
  });

  it("dependentsOf finds transitive dependents", () => {
    const nodes = [n("a"), n("b", "a"), n("c", "b"), n("d"), n("e", "a", "d")];
    expect(dependentsOf("a", nodes).sort()).toEqual(["b", "c", "e"]);
    expect(dependentsOf("c", nodes)).toEqual([]);
  });
});
