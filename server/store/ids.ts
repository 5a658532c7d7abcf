import "server-only";
import { createHash } from "node:crypto";

/**
 * The job id of an idempotency key. Deterministic from (productId, key) so that the create of the
 * job document is itself the atomic duplicate check on both providers (Cosmos answers 409, SQLite
 * hits the primary key) — no read-then-write window.
 */
export function jobIdForKey(productId: string, idempotencyKey: string): string {
  const digest = createHash("sha256").update(productId).update("\u0000").update(idempotencyKey).digest("hex");
  return "k-" + digest.slice(0, 32);
}
