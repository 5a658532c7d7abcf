import "server-only";
import type { KillSwitchRequest, ProductPauseRequest } from "@/lib/api/admin";
import type { CoordinatorContext } from "./context";

/** The fleet-wide switches: the kill switch (no claim anywhere) and the per-product pause. */

export async function setKillSwitch(ctx: CoordinatorContext, req: KillSwitchRequest, by: string) {
  const settings = await ctx.store.setKillSwitch({ on: req.on, reason: req.reason, by, now: ctx.now() });
  ctx.settings.set(settings);
  const k = settings.killSwitch;
  // Turning it off lets waiting claims look again at once.
  if (!k.on) ctx.notifier.jobQueued();
  return { on: k.on, reason: k.reason, by: k.by, at: new Date(k.at).toISOString() };
}

/**
 * Per-product pause: claims of that product's jobs stop (the claim path reads settings.pausedProducts);
 * running work finishes. Resuming wakes waiting claimers at once.
 */
export async function setProductPaused(ctx: CoordinatorContext, productId: string, req: ProductPauseRequest) {
  const settings = await ctx.store.setProductPaused(productId, req.paused);
  ctx.settings.set(settings);
  if (!req.paused) ctx.notifier.jobQueued();
  return { productId, paused: settings.pausedProducts.includes(productId), pausedProducts: settings.pausedProducts };
}

export async function getKillSwitch(ctx: CoordinatorContext) {
  const k = (await ctx.store.getSettings()).killSwitch;
  return { on: k.on, reason: k.reason, by: k.by, at: new Date(k.at).toISOString() };
}
