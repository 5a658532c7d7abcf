import "server-only";
import type { Container } from "@azure/cosmos";
import { createHash } from "node:crypto";
import { isConflict, isNotFound, isPreconditionFailed } from "./cosmos-errors";

/**
 * Fleet-wide mutual exclusion for a manifest `lock`, without transactions spanning documents.
 *
 * One lock document per lock name (fleet_locks, partition /id). A claimer acquires it BEFORE the
 * conditional replace of the job (create → 409 if present; take-over → If-Match) and releases it if
 * the job replace then loses. The holder is (jobId, leaseId). A lock document is stale — and may be
 * taken over — only when BOTH hold:
 *   1. the holder job no longer carries that lease (completed, reaped, or the claim never landed), and
 *   2. the document's own `expiresAt` (claim time + ttl) has passed.
 * (2) protects a claim in flight: between our lock create and our job replace the job has no lease
 * yet, and a rival must not read that as "free". (1) keeps a renewed lease's lock held past (2).
 * So a dead holder cannot keep a lock for longer than its lease plus one ttl, and no correctness
 * depends on Cosmos TTL.
 */
export interface LockDoc {
  id: string;
  name: string;
  productId: string;
  jobId: string;
  leaseId: string;
  expiresAt: number;
}

export function lockDocId(name: string): string {
  return "lock-" + createHash("sha256").update(name).digest("hex").slice(0, 40);
}

export interface LockHolder {
  jobId: string;
  productId: string;
  leaseId: string;
}

export type LeaseLookup = (jobId: string, productId: string) => Promise<string | undefined>;

/** true: we hold it now (etag returned for release); false: held by someone else. */
export async function acquireLock(
  locks: Container,
  name: string,
  me: LockHolder,
  now: number,
  ttlMs: number,
  currentLeaseOf: LeaseLookup,
): Promise<{ etag: string } | null> {
  const id = lockDocId(name);
  const mine: LockDoc = { id, name, productId: me.productId, jobId: me.jobId, leaseId: me.leaseId, expiresAt: now + ttlMs };
  for (let attempt = 0; attempt < 3; attempt++) {
    const { resource, etag } = await locks.item(id, id).read<LockDoc>();
    if (!resource) {
      try {
        const created = await locks.items.create(mine);
        return { etag: created.etag };
      } catch (e) {
        if (isConflict(e)) continue; // somebody created it first: look at theirs
        throw e;
      }
    }
    const holderLease = await currentLeaseOf(resource.jobId, resource.productId);
    if (holderLease === resource.leaseId || resource.expiresAt > now) return null;
    try {
      const replaced = await locks.item(id, id).replace(mine, { accessCondition: { type: "IfMatch", condition: etag } });
      return { etag: replaced.etag };
    } catch (e) {
      if (isPreconditionFailed(e)) return null; // another claimer took it over first
      throw e;
    }
  }
  return null;
}

/** Deletes the lock document if `leaseId` still holds it; a lost race or a missing document is fine. */
export async function releaseLock(locks: Container, name: string, leaseId: string, etag?: string): Promise<void> {
  const id = lockDocId(name);
  try {
    let condition = etag;
    if (condition === undefined) {
      const { resource, etag: current } = await locks.item(id, id).read<LockDoc>();
      if (!resource || resource.leaseId !== leaseId) return;
      condition = current;
    }
    await locks.item(id, id).delete({ accessCondition: { type: "IfMatch", condition } });
  } catch (e) {
    // Not ours any more, or already gone: the stale rule above frees it in the worst case.
    if (isPreconditionFailed(e) || isNotFound(e)) return;
    throw e;
  }
}
