import "server-only";
import type { Container, ItemDefinition } from "@azure/cosmos";
import { StoreError } from "../errors";
import { isConflict, isPreconditionFailed, mapCosmosError } from "./cosmos-errors";

/**
 * The one bounded If-Match retry loop of the Cosmos provider. Every read-modify-write of a document
 * (a job, a factory, the settings, a counter, a token) is: read it with its etag, plan the next
 * version (store/rules), write it conditionally. A 412 (changed since the read) or a 409 (created
 * since a read that found nothing) means another writer got there first: read again and re-plan.
 * After CAS_ATTEMPTS lost races the write gives up as `busy` (503 + Retry-After), so a hot document
 * cannot spin a request forever.
 */
export const CAS_ATTEMPTS = 25;

/** What one attempt answers when it lost the race and must be retried from a fresh read. */
export const LOST = Symbol("lost");
export type Lost = typeof LOST;

export async function withCas<T>(what: string, attempt: () => Promise<T | Lost>): Promise<T> {
  for (let i = 0; i < CAS_ATTEMPTS; i++) {
    const r = await attempt();
    if (r !== LOST) return r;
  }
  throw new StoreError("busy", `${what} is too contended`, { retryAfterMs: 100 });
}

/**
 * Writes `doc` if the stored document still has `etag` (replace with If-Match), or, with no etag,
 * if none exists yet (create). LOST when another writer changed or created it first.
 */
export async function writeIfUnchanged(
  container: Container,
  doc: ItemDefinition & { id: string },
  partitionKey: string,
  etag: string | undefined,
): Promise<true | Lost> {
  try {
    if (etag === undefined) await container.items.create(doc);
    else await container.item(doc.id, partitionKey).replace(doc, { accessCondition: { type: "IfMatch", condition: etag } });
    return true;
  } catch (e) {
    if (isPreconditionFailed(e) || (etag === undefined && isConflict(e))) return LOST;
    throw mapCosmosError(e);
  }
}
