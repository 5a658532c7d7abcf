import "server-only";
import type { Container } from "@azure/cosmos";
import { isStoreError } from "../errors";
import { planFairnessBump, type EndedCounts } from "../rules/fairness";
import { withCas, writeIfUnchanged } from "./cas";
import { query, read } from "./documents";

/** The per-product counter document of ended attempts (field names kept from its first version). */
type FairnessDoc = { id: string; productId: string; claimsGranted: number; runningNow: number; usageMs: number };

/** Counters are scheduling hints, not correctness: after the bounded loop, give up quietly. */
export async function bumpFairness(c: Container, productId: string, claims: number, usageMs: number): Promise<void> {
  await withCas(`fairness of ${productId}`, async () => {
    const cur = await read<FairnessDoc>(c, "fairness", productId);
    const next = planFairnessBump(cur && { productId, claims: cur.doc.claimsGranted, usageMs: cur.doc.usageMs }, productId, claims, usageMs);
    const doc: FairnessDoc = { id: "fairness", productId, claimsGranted: next.claims, runningNow: 0, usageMs: next.usageMs };
    return writeIfUnchanged(c, doc, productId, cur?.etag);
  }).catch((e: unknown) => {
    if (!isStoreError(e, "busy")) throw e;
  });
}

/** Every product's ended attempts and usage. */
export async function endedCounts(c: Container): Promise<EndedCounts[]> {
  const rows = await query<FairnessDoc>(c, "SELECT * FROM c");
  return rows.map((r) => ({ productId: r.productId, claims: r.claimsGranted, usageMs: r.usageMs }));
}
