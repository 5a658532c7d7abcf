import { describe, expect, it } from "vitest";
import { parseTrace } from "./trace";

const ok = {
  factories: [{ name: "mac-1", capabilities: ["os:mac", "has:xcode"], stations: [{ engine: "claude", slots: 2 }] }],
  jobs: [{ id: "j1", submitAt: 0, duration: 60, manifest: { priority: "high", deps: [] } }],
};

describe("parseTrace", () => {
  it("normalizes manifests, fills defaults and derives the OS", () => {
    const r = parseTrace(ok);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.trace.factories[0]).toMatchObject({ os: "mac", costPerHour: 1, warm: [], recentFailures: 0 });
    expect(r.trace.jobs[0]).toMatchObject({ product: "default", manifest: { priority: "high", capabilities: [], yolo: false } });
    expect(parseTrace({ ...ok, factories: [{ name: "x", stations: [{ engine: "claude", slots: 1 }] }] })).toMatchObject({ ok: true, trace: { factories: [{ os: "linux" }] } });
  });

  it("names the path of every schema problem", () => {
    const r = parseTrace({ factories: [{ name: "", stations: [] }], jobs: [{ id: "j", submitAt: -1, duration: 0 }], extra: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["factories[0].name", "factories[0].stations", "jobs[0].submitAt", "jobs[0].duration"]));
    expect(parseTrace("nope")).toMatchObject({ ok: false });
  });

  it("reports manifest problems under jobs[i].manifest and bad factory capabilities", () => {
    const r = parseTrace({
      factories: [{ name: "f", capabilities: ["os:beos"], stations: [{ engine: "claude", slots: 1 }] }],
      jobs: [{ id: "j", submitAt: 0, duration: 1, manifest: { priorty: "high" } }],
    });
    expect(r.ok === false && r.errors.map((e) => e.path)).toEqual(["factories[0].capabilities[0]", "jobs[0].manifest.priorty"]);
  });

  it("refuses duplicate names and ids, unknown deps and cycles", () => {
    const dupes = parseTrace({
      factories: [ok.factories[0], ok.factories[0]],
      jobs: [ok.jobs[0], ok.jobs[0]],
    });
    expect(dupes.ok === false && dupes.errors.map((e) => e.path)).toEqual(["factories[1].name", "jobs[1].id"]);
    const unknown = parseTrace({ ...ok, jobs: [{ id: "a", submitAt: 0, duration: 1, manifest: { deps: ["ghost"] } }] });
    expect(unknown.ok === false && unknown.errors).toEqual([{ path: "jobs[0].manifest.deps[0]", message: 'unknown job "ghost"' }]);
    const cycle = parseTrace({
      ...ok,
      jobs: [
        { id: "a", submitAt: 0, duration: 1, manifest: { deps: ["b"] } },
        { id: "b", submitAt: 0, duration: 1, manifest: { deps: ["a"] } },
      ],
    });
    expect(cycle.ok === false && cycle.errors[0]!.message).toBe("dependency cycle: a → b → a");
  });
});
