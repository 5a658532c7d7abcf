// The import graph of our TypeScript sources, for the structure checks (server/import-graph.test.ts)
// and by hand: `node scripts/import-graph.mjs` prints the import circles (runtime imports; add
// --types to count `import type` too) and the edges between the rooms of server/.
// A plain scan of import/export ... from "..." and import("..."), resolved like tsconfig's "@/*".
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function sourceFiles(dirs) {
  const files = new Set();
  const walk = (d) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const rel = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "dist") walk(rel);
      } else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) files.add(rel.split(path.sep).join("/"));
    }
  };
  dirs.forEach(walk);
  return files;
}

function typeOnly(clause) {
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  if (!c.startsWith("{")) return false;
  const names = c.replace(/[{}\s]/g, "").split(",").filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith("type"));
}

/** file → the files it imports (ours only); `types: true` keeps type-only imports. */
export function importGraph(dirs, { types = false } = {}) {
  const files = sourceFiles(dirs);
  const resolve = (from, spec) => {
    let base;
    if (spec.startsWith("@/")) base = spec.slice(2);
    else if (spec.startsWith(".")) base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    else return undefined;
    for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base.replace(/\.js$/, ".ts")]) if (files.has(c)) return c;
    return undefined;
  };
  const graph = new Map();
  for (const f of files) {
    const src = fs.readFileSync(path.join(root, f), "utf8");
    const out = new Set();
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s([^;]*?)from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      if (m[2] !== undefined && !types && typeOnly(m[1])) continue;
      const t = resolve(f, m[2] ?? m[3]);
      if (t) out.add(t);
    }
    graph.set(f, out);
  }
  return graph;
}

/** The import circles: strongly connected components with more than one file (Tarjan). */
export function importCycles(graph) {
  let next = 0;
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), out = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The room of a server/ file: its first folder (`server/coordinator/x.ts` → coordinator), or the file. */
export function roomOf(file) {
  const parts = file.split("/");
  return parts.length > 2 ? parts[1] : parts[1].replace(/\.tsx?$/, "");
}

/** Edges between rooms of server/: "from -> to" → the imports that make it. */
export function roomEdges(graph) {
  const edges = new Map();
  for (const [f, targets] of graph) {
    if (!f.startsWith("server/")) continue;
    for (const t of targets) {
      if (!t.startsWith("server/") || roomOf(f) === roomOf(t)) continue;
      const k = `${roomOf(f)} -> ${roomOf(t)}`;
      if (!edges.has(k)) edges.set(k, []);
      edges.get(k).push(`${f} → ${t}`);
    }
  }
  return edges;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const types = process.argv.includes("--types");
  const graph = importGraph(["server", "lib", "agent/src", "app", "components"], { types });
  const cycles = importCycles(graph);
  console.log(`import circles (${types ? "type imports counted" : "runtime imports"}): ${cycles.length}`);
  for (const c of cycles) console.log(`  ${c.join(" ↔ ")}`);
  console.log("rooms of server/ and what they import:");
  for (const [k, v] of [...roomEdges(importGraph(["server"], { types: true }))].sort()) console.log(`  ${k} (${v.length})`);
}
