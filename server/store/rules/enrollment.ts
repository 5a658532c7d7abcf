import "server-only";
import { StoreError } from "../errors";
import type { NewEnrollmentToken } from "../port";
import type { EnrollmentTokenRecord, EpochMs } from "../records";
import { clean } from "./jobs";

/**
 * The rules of stored enrollment tokens. A token is created once, may be used while it is not
 * revoked, not past `expiresAt` and has uses left (each registration counts one), and is revoked at
 * most once. Each provider applies a use as one conditional write on the record, so uses racing for
 * the last registration cannot both get it.
 */

export function newEnrollmentTokenRecord(t: NewEnrollmentToken): EnrollmentTokenRecord {
  return clean({
    id: t.id,
    productId: t.productId,
    name: t.name,
    tokenHash: t.tokenHash,
    createdAt: t.now,
    createdBy: t.createdBy,
    expiresAt: t.expiresAt,
    maxUses: t.maxUses,
    uses: 0,
  });
}

export const enrollmentTokenExists = (id: string) => new StoreError("conflict", `enrollment token ${id} already exists`);
export const noEnrollmentToken = (id: string) => new StoreError("not_found", `no enrollment token ${id}`);

export type EnrollmentRefusal = "revoked" | "expired" | "used_up";

/** Why the token may not register a factory at `now`, or undefined when it may. */
export function enrollmentRefusal(t: EnrollmentTokenRecord, now: EpochMs): EnrollmentRefusal | undefined {
  if (t.revokedAt !== undefined) return "revoked";
  if (t.expiresAt !== undefined && now >= t.expiresAt) return "expired";
  if (t.maxUses !== undefined && t.uses >= t.maxUses) return "used_up";
  return undefined;
}

export function planEnrollmentUse(t: EnrollmentTokenRecord | undefined, id: string, now: EpochMs): EnrollmentTokenRecord {
  if (!t) throw noEnrollmentToken(id);
  const refusal = enrollmentRefusal(t, now);
  if (refusal) throw new StoreError("conflict", `enrollment token ${id} is ${refusal.replace("_", " ")}`, { details: { reason: refusal } });
  return { ...t, uses: t.uses + 1 };
}

/** undefined: already revoked, nothing to write (idempotent). */
export function planEnrollmentRevoke(t: EnrollmentTokenRecord | undefined, id: string, now: EpochMs): EnrollmentTokenRecord | undefined {
  if (!t) throw noEnrollmentToken(id);
  return t.revokedAt !== undefined ? undefined : { ...t, revokedAt: now };
}
