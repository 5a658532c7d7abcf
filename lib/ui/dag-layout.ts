/**
 * Automatic layered layout of the job DAG (longest-path layering): a job sits one layer right of its
 * deepest dependency, so every edge points left → right and a chain a → b → c reads in order.
 * Within a layer, nodes are ordered by the mean row of their dependencies (one barycentre pass),
 * which keeps most edges straight without a crossing-minimisation library.
 *
 * Edges that would close a cycle (the coordinator refuses cycles at submit, but the view must never
 * hang on bad data) are ignored for layering.
 */

export interface DagInputNode {
  id: string;
  stage: string;
}

export interface DagInputEdge {
  /** the dependency */
  from: string;
  /** the job that waits for it */
  to: string;
}

export interface PlacedNode {
  id: string;
  layer: number;
  row: number;
  x: number;
  y: number;
}

export interface LayoutOptions {
  columnWidth?: number;
  rowHeight?: number;
}

export function layerNodes(nodes: DagInputNode[], edges: DagInputEdge[]): Map<string, number> {
  const ids = new Set(nodes.map((n) => n.id));
  const depsOf = new Map<string, string[]>();
  for (const n of nodes) depsOf.set(n.id, []);
  for (const e of edges) {
    if (ids.has(e.from) && ids.has(e.to) && e.from !== e.to) depsOf.get(e.to)!.push(e.from);
  }
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  // Iterative DFS: a 10,000-node chain must not overflow the stack.
  for (const start of nodes) {
    if (layer.has(start.id)) continue;
    const stack: { id: string; next: number }[] = [{ id: start.id, next: 0 }];
    visiting.add(start.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = depsOf.get(top.id)!;
      if (top.next < deps.length) {
        const dep = deps[top.next++]!;
        if (layer.has(dep) || visiting.has(dep)) continue; // done, or a back edge (cycle): skip
        visiting.add(dep);
        stack.push({ id: dep, next: 0 });
        continue;
      }
      let depth = 0;
      for (const dep of deps) {
        const l = layer.get(dep);
        if (l !== undefined) depth = Math.max(depth, l + 1);
      }
      layer.set(top.id, depth);
      visiting.delete(top.id);
      stack.pop();
    }
  }
  return layer;
}

export function layoutDag(nodes: DagInputNode[], edges: DagInputEdge[], options: LayoutOptions = {}): PlacedNode[] {
  const columnWidth = options.columnWidth ?? 260;
  const rowHeight = options.rowHeight ?? 90;
  const layer = layerNodes(nodes, edges);
  const byLayer = new Map<number, string[]>();
  for (const n of nodes) {
    const l = layer.get(n.id) ?? 0;
    if (!byLayer.has(l)) byLayer.set(l, []);
    byLayer.get(l)!.push(n.id);
  }
  const depsOf = new Map<string, string[]>();
  for (const e of edges) {
    if (!depsOf.has(e.to)) depsOf.set(e.to, []);
    depsOf.get(e.to)!.push(e.from);
  }
  const row = new Map<string, number>();
  const placed: PlacedNode[] = [];
  const layers = [...byLayer.keys()].sort((a, b) => a - b);
  for (const l of layers) {
    const members = byLayer.get(l)!;
    const weight = (id: string): number => {
      const rows = (depsOf.get(id) ?? []).map((d) => row.get(d)).filter((r): r is number => r !== undefined);
      return rows.length === 0 ? Number.POSITIVE_INFINITY : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    // Stable: equal weights keep input order, so the layout does not jump between renders.
    const ordered = members
      .map((id, i) => ({ id, i, w: weight(id) }))
      .sort((a, b) => (a.w === b.w ? a.i - b.i : a.w - b.w));
    ordered.forEach(({ id }, r) => {
      row.set(id, r);
      placed.push({ id, layer: l, row: r, x: l * columnWidth, y: r * rowHeight });
    });
  }
  return placed;
}

/** Stages that never satisfy a dependency until a person acts. */
const STUCK = new Set(["failed", "dead_letter", "cancelled", "paused", "blocked"]);

/**
 * Edges on a blocked path: from a dependency that is not done (stuck, or itself waiting) into a job
 * that is blocked. Highlighting these shows at a glance what holds a chain up.
 */
export function blockedEdges(nodes: DagInputNode[], edges: DagInputEdge[]): Set<string> {
  const stage = new Map(nodes.map((n) => [n.id, n.stage]));
  const done = new Set(["testing", "shipped"]);
  const out = new Set<string>();
  for (const e of edges) {
    const to = stage.get(e.to);
    const from = stage.get(e.from);
    if (to === undefined || from === undefined) continue;
    if ((to === "blocked" || STUCK.has(to)) && !done.has(from)) out.add(edgeKey(e));
  }
  return out;
}

export function edgeKey(e: DagInputEdge): string {
  return `${e.from}->${e.to}`;
}
