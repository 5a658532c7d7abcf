import { describe, expect, it } from "vitest";
// @ts-expect-error a plain .mjs script without types (also run by hand: node scripts/import-graph.mjs)
import { importCycles, importGraph, roomEdges } from "../scripts/import-graph.mjs";

/**
 * The structure ARCHITECTURE.md draws, checked on the real import graph (eslint enforces the same
 * zones file by file; this sees the whole graph): no room below HTTP imports server/http, the
 * scheduler imports neither store nor coordinator, and no runtime import circle anywhere.
 */
type Graph = Map<string, Set<string>>;
const dirs = ["server", "lib", "agent/src", "app", "components"];

describe("the import graph", () => {
  const graph: Graph = importGraph(dirs);
  const rooms: Map<string, string[]> = roomEdges(importGraph(["server"], { types: true }));

  it("reads our sources (the checks below are not vacuous)", () => {
    expect(graph.size).toBeGreaterThan(250);
    expect([...(graph.get("server/coordinator/move-job.ts") ?? [])]).toContain("server/coordinator/events.ts");
    expect(rooms.has("coordinator -> store")).toBe(true);
  });

  it("has no edge from coordinator, auth, store, scheduler or limits to server/http", () => {
    const up = [...rooms.keys()].filter((k) => /^(coordinator|auth|store|scheduler|limits) -> http$/.test(k));
    expect(up.map((k) => rooms.get(k))).toEqual([]);
  });

  it("keeps the scheduler pure: no import of store, coordinator or auth", () => {
    const out = [...rooms.keys()].filter((k) => /^scheduler -> (store|coordinator|auth|http)$/.test(k));
    expect(out).toEqual([]);
  });

  it("has no runtime import circle", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("has no import circle through alerts/ or retention/, type imports counted (the context names their env types from types.ts)", () => {
    const withTypes = importCycles(importGraph(["server"], { types: true })) as string[][];
    expect(withTypes.filter((c) => c.some((f) => /^server\/(alerts|retention)\//.test(f)))).toEqual([]);
  });
});
