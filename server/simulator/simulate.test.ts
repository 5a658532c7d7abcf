import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { simulateTrace } from "./report";
import { parseTrace, type Trace } from "./trace";

function trace(input: unknown): Trace {
  const r = parseTrace(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.trace;
}

const linux = (name: string, slots = 1, extra: string[] = []) => ({ name, capabilities: ["os:linux", ...extra], stations: [{ engine: "claude", slots }] });
const mac = (name: string) => ({ name, capabilities: ["os:mac", "has:xcode"], stations: [{ engine: "claude", slots: 1 }], costPerHour: 3 });
const j = (id: string, submitAt: number, duration: number, manifest: Record<string, unknown> = {}, product = "p") => ({ id, submitAt, duration, product, manifest: { engine: "claude", ...manifest } });

describe("simulateTrace", () => {
  it("keeps a generic job off the only Mac so the Xcode job starts at once (FIFO does not)", () => {
    const r = simulateTrace(
      trace({
        factories: [mac("mac-1"), linux("lin-1")],
        jobs: [j("generic", 0, 100), j("ios", 10, 100, { capabilities: ["has:xcode"] })],
      }),
    );
    expect(r.makespan).toBe(110);
    expect(r.fifo.makespan).toBe(200);
    expect(r.lowerBound).toBe(110);
    expect(r.ratio).toBe(1);
    expect(r.capabilityMisses + r.fifo.capabilityMisses).toBe(0);
  });

  it("serialises a lock, follows deps, and reports the binding lower bound", () => {
    const r = simulateTrace(
      trace({
        factories: [linux("a", 3)],
        jobs: [j("x", 0, 50, { lock: "db" }), j("y", 0, 50, { lock: "db" }), j("z", 0, 10, { deps: ["x"] })],
      }),
    );
    expect(r.makespan).toBe(100);
    expect(r.lowerBoundBy).toBe("lock db");
  });

  it("reports unplaceable jobs and what depends on them", () => {
    const r = simulateTrace(
      trace({ factories: [linux("a")], jobs: [j("gpu", 0, 10, { capabilities: ["gpu"] }), j("after", 0, 10, { deps: ["gpu"] }), j("fine", 0, 10)] }),
    );
    expect(r.unplaceable).toEqual([
      { jobId: "gpu", reason: "no factory has gpu", codes: ["gpu_missing"] },
      { jobId: "after", reason: "depends on unplaceable gpu", codes: ["deps_unmet"] },
    ]);
    expect(r.makespan).toBe(10);
  });

  it("lets a critical job preempt a low one; the victim reruns in full", () => {
    const r = simulateTrace(
      trace({ factories: [linux("a")], jobs: [j("low", 0, 100, { priority: "low" }), j("crit", 10, 20, { priority: "critical" })] }),
    );
    expect(r.preemptions).toBe(1);
    expect(r.lostWorkSeconds).toBe(10);
    expect(r.makespan).toBe(130);
    expect(r.waitP50.critical).toBe(0);
    expect(r.fifo.waitP50.critical).toBe(90);
  });

  it("on random traces: never a capability miss, never a stall, never below the lower bound", () => {
    const caps = ["os:linux", "os:mac", "gpu", "has:xcode"];
    fc.assert(
      fc.property(
        fc.array(fc.record({ caps: fc.subarray(caps), slots: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 100 }),
            d: fc.integer({ min: 1, max: 50 }),
            caps: fc.tuple(fc.constantFrom([], ["os:linux"], ["os:mac"]), fc.subarray(["gpu", "has:xcode"])).map(([os, rest]) => [...os, ...rest]),
            prio: fc.constantFrom("critical", "high", "medium", "low"),
            lock: fc.option(fc.constantFrom("l1", "l2"), { nil: undefined }),
            dep: fc.option(fc.nat(), { nil: undefined }),
            product: fc.constantFrom("a", "b"),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (fleet, work) => {
          const t = trace({
            factories: fleet.map((f, i) => ({ name: `f${i}`, capabilities: f.caps, stations: [{ engine: "claude", slots: f.slots }] })),
            jobs: work.map((w, i) =>
              j(`j${i}`, w.at, w.d, { capabilities: w.caps, priority: w.prio, ...(w.lock ? { lock: w.lock } : {}), deps: w.dep !== undefined && i > 0 ? [`j${w.dep % i}`] : [] }, w.product),
            ),
          });
          const r = simulateTrace(t);
          for (const run of [r, r.fifo]) {
            expect(run.capabilityMisses).toBe(0);
            expect(run.stuck).toEqual([]);
            if (r.unplaceable.length < t.jobs.length) expect(run.makespan).toBeGreaterThanOrEqual(r.lowerBound - 1e-6);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("the shipped example traces", () => {
  const dir = path.resolve(__dirname, "../../examples/traces");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

  it("ships at least three", () => expect(files.length).toBeGreaterThanOrEqual(3));

  for (const file of files) {
    it(`${file}: zero capability misses, makespan no worse than FIFO, deterministic`, () => {
      const t = trace(JSON.parse(readFileSync(path.join(dir, file), "utf8")));
      const r = simulateTrace(t);
      expect(r.capabilityMisses).toBe(0);
      expect(r.fifo.capabilityMisses).toBe(0);
      expect(r.stuck).toEqual([]);
      expect(r.makespan).toBeLessThanOrEqual(r.fifo.makespan);
      expect(r.makespan).toBeGreaterThanOrEqual(r.lowerBound);
      expect(simulateTrace(t)).toEqual(r);
    });
  }
});
