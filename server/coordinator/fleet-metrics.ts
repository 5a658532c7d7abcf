import "server-only";
import { PRIORITIES, STAGES, type Priority } from "@/lib/types";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { overdueMs, slaOf } from "./sla";
import { factoryHealth } from "./views";

/**
 * The state half of /metrics: gauges set from the store at scrape time, so every app instance
 * reports the same fleet-wide figures. The queued jobs are read once (capped, oldest-first pages are
 * not needed: ages are a max over what was read) and give depth, oldest age and overdue count per
 * priority, per capability pool and per product.
 */
const MAX_QUEUED_SCANNED = 20_000;

/** A job's capability pool: its required capabilities, sorted (`any` when it needs none). */
export function poolOf(job: Pick<JobRecord, "manifest">): string {
  const caps = [...(job.manifest.capabilities ?? [])].sort();
  return caps.length === 0 ? "any" : caps.join(",");
}

async function queuedJobs(ctx: CoordinatorContext): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs({ stage: "queued" }, cursor, 500);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < MAX_QUEUED_SCANNED);
  return out;
}

export async function scrapeGauges(ctx: CoordinatorContext): Promise<void> {
  const m = ctx.metrics;
  const now = ctx.now();
  // Read before this scrape's own store calls, so a bench can count a lifecycle's ops exactly.
  m.setStoreOps({ ...ctx.store.opCounts() });

  const counts = await ctx.store.countJobsByStage();
  for (const s of STAGES) m.jobsByStage.set({ stage: s }, counts[s] ?? 0);
  const passed = (counts.testing ?? 0) + (counts.shipped ?? 0);
  const finished = passed + (counts.failed ?? 0) + (counts.dead_letter ?? 0);
  m.passRate.set(finished === 0 ? 0 : passed / finished);

  const sla = await slaOf(ctx);
  const depth = new Map<Priority, number>(PRIORITIES.map((p) => [p, 0]));
  const oldest = new Map<Priority, number>(PRIORITIES.map((p) => [p, 0]));
  const overdue = new Map<Priority, number>(PRIORITIES.map((p) => [p, 0]));
  const pools = new Map<string, { n: number; oldest: number }>();
  const products = new Map<string, { n: number; oldest: number }>();
  const bump = (map: Map<string, { n: number; oldest: number }>, key: string, age: number) => {
    const cur = map.get(key) ?? { n: 0, oldest: 0 };
    map.set(key, { n: cur.n + 1, oldest: Math.max(cur.oldest, age) });
  };
  for (const j of await queuedJobs(ctx)) {
    const age = Math.max(0, (now - j.createdAt) / 1000);
    depth.set(j.priority, (depth.get(j.priority) ?? 0) + 1);
    oldest.set(j.priority, Math.max(oldest.get(j.priority) ?? 0, age));
    if (overdueMs(j, sla, now) > 0) overdue.set(j.priority, (overdue.get(j.priority) ?? 0) + 1);
    bump(pools, m.pools.label(poolOf(j)), age);
    bump(products, m.products.label(j.productId), age);
  }
  for (const p of PRIORITIES) {
    m.queueDepth.set({ priority: p }, depth.get(p) ?? 0);
    m.oldestByPriority.set({ priority: p }, oldest.get(p) ?? 0);
    m.overdueByPriority.set({ priority: p }, overdue.get(p) ?? 0);
    m.slaTarget.set({ priority: p }, sla[p] / 1000);
  }
  // A pool or product with nothing queued any more drops out instead of reporting a stale age.
  for (const g of [m.poolQueued, m.oldestByPool, m.productQueued, m.productOldestWait]) g.reset();
  for (const [pool, v] of pools) {
    m.poolQueued.set({ pool }, v.n);
    m.oldestByPool.set({ pool }, v.oldest);
  }
  for (const [product, v] of products) {
    m.productQueued.set({ product }, v.n);
    m.productOldestWait.set({ product }, v.oldest);
  }

  const health: Record<string, number> = { online: 0, offline: 0, draining: 0, revoked: 0 };
  let slots = 0;
  let busy = 0;
  for (const f of await ctx.store.listFactories()) {
    const h = factoryHealth(f, now, ctx.offlineAfterMs);
    health[h] = (health[h] ?? 0) + 1;
    if (h === "online" || h === "draining") {
      slots += f.stations.reduce((n, s) => n + s.slots, 0);
      busy += f.running.length;
    }
  }
  for (const [h, n] of Object.entries(health)) m.factories.set({ health: h }, n);
  m.factoriesOnline.set(health.online ?? 0);
  m.slots.set({ state: "total" }, slots);
  m.slots.set({ state: "busy" }, busy);
  m.utilization.set(slots === 0 ? 0 : busy / slots);
}
