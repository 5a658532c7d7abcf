/**
 * The dependency graph of jobs (`deps`): cycle detection at submit time, and which jobs are ready.
 * A dependency is met when the job it names is in `testing` or `shipped` (DESIGN.md §Stages).
 * Dependencies on ids that are not in the graph are ignored by findCycle (they cannot close a cycle)
 * and count as unmet by readySet / waitingOn (the job they name does not exist yet, or is elsewhere).
 */
import { DEP_SATISFIED_STAGES } from "./stages";
import type { Stage } from "./types";

export interface DagNode {
  id: string;
  deps: readonly string[];
}

export interface DagJob extends DagNode {
  stage: Stage;
}

/**
 * A cycle if there is one, spelled out from a node back to itself (`[a, b, c, a]`: a depends on b,
 * b on c, c on a); a self-dependency is `[a, a]`. Iterative DFS (no recursion limit on deep chains);
 * the result is deterministic for a given input order.
 */
export function findCycle(nodes: readonly DagNode[]): string[] | null {
  const deps = new Map<string, readonly string[]>();
  for (const n of nodes) deps.set(n.id, n.deps);
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();

  for (const root of nodes) {
    if ((color.get(root.id) ?? WHITE) !== WHITE) continue;
    // Each frame: a node and the index of its next dependency to visit; `path` mirrors the stack.
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    const path: string[] = [root.id];
    color.set(root.id, GREY);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ds = deps.get(top.id) ?? [];
      if (top.next >= ds.length) {
        color.set(top.id, BLACK);
        stack.pop();
        path.pop();
        continue;
      }
      const d = ds[top.next++]!;
      if (!deps.has(d)) continue;
      const c = color.get(d) ?? WHITE;
      if (c === GREY) return [...path.slice(path.indexOf(d)), d];
      if (c === WHITE) {
        color.set(d, GREY);
        stack.push({ id: d, next: 0 });
        path.push(d);
      }
    }
  }
  return null;
}

/** "a → b → c → a", for error messages. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(" → ");
}

export function depSatisfied(stage: Stage | undefined): boolean {
  return stage !== undefined && DEP_SATISFIED_STAGES.includes(stage);
}

/** The unmet dependencies of a job, each with the stage it is in (`missing` when it is not known). */
export function waitingOn(
  job: DagNode,
  byId: ReadonlyMap<string, { stage: Stage }> | Readonly<Record<string, { stage: Stage } | undefined>>,
): { id: string; stage: Stage | "missing" }[] {
  const get = (id: string) =>
    byId instanceof Map ? byId.get(id) : Object.prototype.hasOwnProperty.call(byId, id) ? (byId as Record<string, { stage: Stage } | undefined>)[id] : undefined;
  const out: { id: string; stage: Stage | "missing" }[] = [];
  for (const id of job.deps) {
    const dep = get(id);
    if (!depSatisfied(dep?.stage)) out.push({ id, stage: dep?.stage ?? "missing" });
  }
  return out;
}

/**
 * The jobs waiting for their dependencies (`queued` or `blocked`) whose dependencies are all met:
 * these may run now (a blocked one moves back to queued). Input order is kept.
 */
export function readySet<J extends DagJob>(jobs: readonly J[]): J[] {
  const byId = new Map<string, J>();
  for (const j of jobs) byId.set(j.id, j);
  return jobs.filter((j) => (j.stage === "queued" || j.stage === "blocked") && j.deps.every((d) => depSatisfied(byId.get(d)?.stage)));
}

/** Every job that (transitively) depends on `id`: what a failure of `id` holds up. */
export function dependentsOf(id: string, nodes: readonly DagNode[]): string[] {
  const reverse = new Map<string, string[]>();
  for (const n of nodes) for (const d of n.deps) reverse.set(d, [...(reverse.get(d) ?? []), n.id]);
  const seen = new Set<string>();
  const queue = [id];
  while (queue.length) {
    for (const next of reverse.get(queue.shift()!) ?? []) {
      if (!seen.has(next) && next !== id) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}
