import "server-only";
import { StoreError } from "../errors";
import type { NewApiToken, UserInput } from "../port";
import type { ApiTokenRecord, EpochMs, Role, UserRecord } from "../records";
import { clean } from "./jobs";

/**
 * The rules of API tokens and users. A token is created once (a duplicate id or hash is `conflict`)
 * and revoked at most once (revoking again answers the first revocation). A user is created or
 * replaced as a whole (last writer wins) but keeps its first `createdAt`.
 */

export function newApiTokenRecord(t: NewApiToken): ApiTokenRecord {
  return { id: t.id, productId: t.productId, name: t.name, role: t.role, tokenHash: t.tokenHash, createdAt: t.now };
}

export const tokenExists = (id: string) => new StoreError("conflict", `API token ${id} already exists`);

/** undefined: already revoked, nothing to write (idempotent). */
export function planRevoke(t: ApiTokenRecord | undefined, id: string, now: EpochMs): ApiTokenRecord | undefined {
  if (!t) throw new StoreError("not_found", `no API token ${id}`);
  return t.revokedAt !== undefined ? undefined : { ...t, revokedAt: now };
}

export function userRecord(u: UserInput, prev: UserRecord | undefined): UserRecord {
  return clean({
    id: u.id,
    productId: u.productId,
    name: u.name,
    role: u.role,
    passwordHash: u.passwordHash,
    provider: u.provider,
    login: u.login,
    email: u.email,
    createdAt: prev?.createdAt ?? u.now,
    updatedAt: u.now,
  });
}

export function planUserRole(u: UserRecord | undefined, id: string, role: Role, now: EpochMs): UserRecord {
  if (!u) throw new StoreError("not_found", `no user ${id}`);
  return { ...u, role, updatedAt: now };
}
