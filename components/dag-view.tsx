"use client";
/**
 * The job DAG: nodes coloured by stage, laid out left → right by dependency depth (lib/ui/dag-layout),
 * edges on a blocked path drawn red and animated. Clicking a node opens the job. Filter by product.
 */
import { Background, Controls, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import type { DagView as DagData } from "@/lib/ui/api-types";
import { blockedEdges, edgeKey, layoutDag } from "@/lib/ui/dag-layout";
import { stageStyle } from "@/lib/ui/stage-style";
import { getJson } from "./api-client";

export function DagView({ initialProduct }: { initialProduct?: string }) {
  const router = useRouter();
  const [product, setProduct] = useState(initialProduct ?? "");
  const [draft, setDraft] = useState(initialProduct ?? "");
  const [data, setData] = useState<DagData | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const qs = product ? `?product=${encodeURIComponent(product)}` : "";
    getJson<DagData>(`/api/fleet/dag${qs}`)
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [product]);

  const { nodes, edges } = useMemo(() => {
    if (!data) return { nodes: [] as Node[], edges: [] as Edge[] };
    const placed = new Map(layoutDag(data.nodes, data.edges).map((p) => [p.id, p]));
    const blocked = blockedEdges(data.nodes, data.edges);
    const nodes: Node[] = data.nodes.map((n) => {
      const s = stageStyle(n.stage);
      const p = placed.get(n.id)!;
      return {
        id: n.id,
        position: { x: p.x, y: p.y },
        data: { label: `${n.title} · ${s.label}` },
        ariaLabel: `job ${n.title}, ${s.label}, layer ${p.layer + 1}`,
        className: "dag-node",
        style: { background: s.bg, color: s.fg, border: "1px solid #0008", borderRadius: 8, width: 220, fontSize: 12 },
        sourcePosition: "right" as Node["sourcePosition"],
        targetPosition: "left" as Node["targetPosition"],
      } satisfies Node;
    });
    const edges: Edge[] = data.edges.map((e) => {
      const isBlocked = blocked.has(edgeKey(e));
      return {
        id: edgeKey(e),
        source: e.from,
        target: e.to,
        animated: isBlocked,
        style: { stroke: isBlocked ? "#ef4444" : "#64748b", strokeWidth: isBlocked ? 2.5 : 1.5 },
      };
    });
    return { nodes, edges };
  }, [data]);

  return (
    <section aria-label="job dependencies">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setProduct(draft.trim());
          router.replace(draft.trim() ? `/dag?product=${encodeURIComponent(draft.trim())}` : "/dag", { scroll: false });
        }}
        style={{ marginBottom: 10 }}
      >
        <input aria-label="filter by product" placeholder="product" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Filter</button>
        <span className="muted">
          {data ? `${data.nodes.length} jobs, ${data.edges.length} dependencies` : "loading…"} · red edges: blocked paths
        </span>
      </form>
      {error && <p role="alert">{error}</p>}
      {/* The positions are also published as data so tests can check the order without reading SVG. */}
      <ol className="sr-only" aria-label="jobs in dependency order">
        {[...nodes]
          .sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y)
          .map((n) => (
            <li key={n.id} data-x={n.position.x}>
              {String(n.data.label)}
            </li>
          ))}
      </ol>
      <div style={{ height: "70vh", border: "1px solid var(--border)", borderRadius: 8 }}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          colorMode="dark"
          nodesDraggable={false}
          nodesConnectable={false}
          onNodeClick={(_, node) => router.push(`/jobs/${encodeURIComponent(node.id)}`)}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </section>
  );
}
