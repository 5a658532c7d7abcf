import "server-only";
import type { FairnessCounters } from "../records";

/**
 * Fairness counters per product. Both providers keep ENDED attempts (claims and usage, added when an
 * attempt ends) in a counter record, and count running leases from the leased jobs at read time, so
 * a claim writes nothing but its job. A running lease counts as a claim granted and as running now.
 */
export interface EndedCounts {
  productId: string;
  claims: number;
  usageMs: number;
}

export function fairnessOf(ended: EndedCounts[], runningByProduct: { productId: string; n: number }[]): FairnessCounters[] {
  const byProduct = new Map<string, FairnessCounters>();
  const entry = (productId: string) => {
    let e = byProduct.get(productId);
    if (!e) byProduct.set(productId, (e = { productId, claimsGranted: 0, runningNow: 0, usageMs: 0 }));
    return e;
  };
  for (const r of ended) {
    const e = entry(r.productId);
    e.claimsGranted += r.claims;
    e.usageMs += r.usageMs;
  }
  for (const r of runningByProduct) {
    const e = entry(r.productId);
    e.claimsGranted += r.n;
    e.runningNow += r.n;
  }
  return [...byProduct.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

/** The counter record after an attempt of `productId` ended with `usageMs` of wall time. */
export function planFairnessBump(cur: EndedCounts | undefined, productId: string, claims: number, usageMs: number): EndedCounts {
  return { productId, claims: (cur?.claims ?? 0) + claims, usageMs: (cur?.usageMs ?? 0) + usageMs };
}
