import { describe, expect, it } from "vitest";
import { blockedEdges, edgeKey, layerNodes, layoutDag } from "./dag-layout";

const n = (id: string, stage = "queued") => ({ id, stage });

describe("layerNodes", () => {
  it("puts a chain in order, one layer each", () => {
    const layers = layerNodes([n("c"), n("b"), n("a")], [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
    ]);
    expect([layers.get("a"), layers.get("b"), layers.get("c")]).toEqual([0, 1, 2]);
  });
  it("uses the longest path in a diamond with a shortcut", () => {
    const layers = layerNodes([n("a"), n("b"), n("c"), n("d")], [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "a", to: "d" },
      { from: "c", to: "d" },
    ]);
    expect(layers.get("d")).toBe(3);
  });
  it("ignores edges to unknown nodes and survives a cycle", () => {
    const layers = layerNodes([n("a"), n("b")], [
      { from: "a", to: "b" },
      { from: "b", to: "a" },
      { from: "ghost", to: "a" },
    ]);
    expect(layers.size).toBe(2);
    expect(new Set(layers.values()).size).toBe(2);
  });
  it("handles a very long chain without overflowing the stack", () => {
    const nodes = Array.from({ length: 20_000 }, (_, i) => n(`j${i}`));
    const edges = nodes.slice(1).map((_, i) => ({ from: `j${i}`, to: `j${i + 1}` }));
    expect(layerNodes(nodes.reverse(), edges).get("j19999")).toBe(19_999);
  });
});

describe("layoutDag", () => {
  it("gives distinct positions, edges pointing right", () => {
    const nodes = [n("a"), n("b"), n("c"), n("x")];
    const edges = [
      { from: "a", to: "b" },
      { from: "a", to: "c" },
    ];
    const placed = layoutDag(nodes, edges, { columnWidth: 100, rowHeight: 10 });
    const at = new Map(placed.map((p) => [p.id, p]));
    expect(new Set(placed.map((p) => `${p.x},${p.y}`)).size).toBe(4);
    for (const e of edges) expect(at.get(e.to)!.x).toBeGreaterThan(at.get(e.from)!.x);
    expect(at.get("x")!.x).toBe(0);
  });
  it("orders a layer by its dependencies' rows", () => {
    const nodes = [n("p"), n("q"), n("fromQ"), n("fromP")];
    const placed = layoutDag(nodes, [
      { from: "p", to: "fromP" },
      { from: "q", to: "fromQ" },
    ]);
    const row = new Map(placed.map((p) => [p.id, p.row]));
    expect(row.get("fromP")).toBeLessThan(row.get("fromQ")!);
  });
});

describe("blockedEdges", () => {
  it("marks edges from an unfinished dependency into a blocked job only", () => {
    const nodes = [n("a", "failed"), n("b", "blocked"), n("c", "shipped"), n("d", "queued")];
    const edges = [
      { from: "a", to: "b" },
      { from: "c", to: "d" },
      { from: "c", to: "b" },
    ];
    const blocked = blockedEdges(nodes, edges);
    expect([...blocked]).toEqual([edgeKey({ from: "a", to: "b" })]);
  });
});
