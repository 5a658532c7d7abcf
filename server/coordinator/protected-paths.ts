import "server-only";
import type { ProtectedPathsRequest, ProtectedPathsView } from "@/lib/api/protected-paths";
import type { Settings } from "@/server/store/records";
import type { CoordinatorContext } from "./context";

/**
 * The protected-path globs as an admin setting (issue 18 §4), kept in the one settings document's
 * operator part (the same conditional write as the scheduling and alert settings). There is no
 * environment default: nothing is protected until an admin lists it.
 */
export async function getProtectedPaths(ctx: CoordinatorContext): Promise<ProtectedPathsView> {
  return viewOf(await ctx.settings.get());
}

/** Saves the parts given (each replaces its saved part whole; `[]` / `{}` clears it). */
export async function saveProtectedPaths(ctx: CoordinatorContext, req: ProtectedPathsRequest, by: string): Promise<ProtectedPathsView> {
  const cur = (await ctx.store.getSettings()).operations;
  const prev = cur?.protectedPaths ?? { globs: [], products: {} };
  const products = req.products === undefined ? prev.products : Object.fromEntries(Object.entries(req.products).filter(([, g]) => g.length > 0));
  const next = { ...cur, protectedPaths: { globs: req.globs ?? prev.globs, products }, updatedAt: ctx.now(), by };
  const settings = await ctx.store.saveOperationsSettings(next);
  // This instance gates with the new list at once; others within the settings cache's TTL.
  ctx.settings.set(settings);
  return viewOf(settings);
}

function viewOf(settings: Settings): ProtectedPathsView {
  const ops = settings.operations;
  const p = ops?.protectedPaths;
  return {
    globs: p?.globs ?? [],
    products: p?.products ?? {},
    ...(p && ops ? { updatedAt: new Date(ops.updatedAt).toISOString(), by: ops.by } : {}),
  };
}
