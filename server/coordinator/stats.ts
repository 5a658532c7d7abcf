import "server-only";
import { STAGES } from "@/lib/types";
import type { CoordinatorContext } from "./context";
import { openAlerts } from "./alerts";
import { scrapeGauges } from "./fleet-metrics";
import { factoryHealth } from "./views";

/** Fleet-wide bookkeeping: GET /stats (queue depth, factory health, open alerts) and /metrics. */

async function queueDepth(ctx: CoordinatorContext, productId?: string): Promise<Record<string, number>> {
  const counts = await ctx.store.countJobsByStage(productId);
  return Object.fromEntries(STAGES.map((s) => [s, counts[s] ?? 0]));
}

async function factoryHealthCounts(ctx: CoordinatorContext) {
  const now = ctx.now();
  const factories = await ctx.store.listFactories();
  const health: Record<string, number> = { online: 0, offline: 0, draining: 0, revoked: 0 };
  let slots = 0;
  let busy = 0;
  for (const f of factories) {
    const h = factoryHealth(f, now, ctx.offlineAfterMs);
    health[h] = (health[h] ?? 0) + 1;
    if (h === "online" || h === "draining") {
      slots += f.stations.reduce((n, s) => n + s.slots, 0);
      busy += f.running.length;
    }
  }
  return { health, slots, busy };
}

export async function stats(ctx: CoordinatorContext, productId?: string) {
  const depth = await queueDepth(ctx, productId);
  const { health, slots, busy } = await factoryHealthCounts(ctx);
  const passed = (depth.testing ?? 0) + (depth.shipped ?? 0);
  const failed = (depth.failed ?? 0) + (depth.dead_letter ?? 0);
  const cost = { usd: 0, tokensIn: 0, tokensOut: 0, wallMs: 0 };
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await ctx.store.listJobs(productId ? { productId } : {}, cursor, 500);
    for (const j of page.items) {
      cost.usd += j.cost.usd;
      cost.tokensIn += j.cost.tokensIn;
      cost.tokensOut += j.cost.tokensOut;
      cost.wallMs += j.cost.wallMs;
    }
    seen += page.items.length;
    cursor = page.nextCursor;
  } while (cursor && seen < 10_000);
  return {
    queueDepth: depth,
    factories: health,
    utilization: slots === 0 ? 0 : busy / slots,
    // finished attempts that got past verify, over all that finished (testing/shipped vs failed/dead)
    passRate: passed + failed === 0 ? null : passed / (passed + failed),
    cost,
    waitingClaims: ctx.notifier.waitingClaims,
    pausedProducts: (await ctx.settings.get()).pausedProducts,
    alerts: await openAlerts(ctx, productId),
  };
}

/** Prometheus text: the state gauges are refreshed from the store, then the registry renders. */
export async function metricsText(ctx: CoordinatorContext): Promise<string> {
  await scrapeGauges(ctx);
  return ctx.metrics.render();
}
