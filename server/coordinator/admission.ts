import "server-only";
import type { CreateEnrollmentTokenRequest, EnrollmentTokenView } from "@/lib/api/enrollment";
import type { RegisterRequest, RegisterResponse } from "@/lib/protocol";
import { forgetFactoryTokens } from "@/server/auth/factory-token-cache";
import { generateToken, hashToken } from "@/server/auth/tokens";
import { FleetError } from "@/server/errors";
import { log } from "@/server/log";
import { isStoreError } from "@/server/store/errors";
import type { EnrollmentTokenRecord } from "@/server/store/records";
import { enrollmentRefusal } from "@/server/store/rules/enrollment";
import { factoryNameKey, holdsName } from "@/server/store/rules/factories";
import type { CoordinatorContext } from "./context";
import { registerFactory } from "./factories";
import { newApiTokenId } from "./ids";
import { factoryView } from "./views";

/**
 * Who may become a factory (issue 14 §7). A registration passes, in this order: the name is free
 * (a second factory cannot take the name `prefers: factory:NAME` targets), the enrollment token it
 * came with may still register (a stored token: not revoked, not expired, uses left; each
 * registration spends one), then the factory is written, held `pending` when new factories need an
 * admin's approval. The store checks the name again atomically; a registration that loses that race
 * has spent its token use (the count errs on the side of fewer registrations).
 */

export interface AdmissionOptions {
  /** the stored enrollment token the request came with; absent for the configured one */
  tokenId?: string;
  /** FLEET_APPROVE_NEW_FACTORIES: hold the new factory until an admin approves it */
  holdForApproval: boolean;
}

function nameTaken(name: string, holderId: string): FleetError {
  return new FleetError(
    "conflict",
    `the factory name "${name}" is taken by factory ${holderId}: jobs that say prefers: factory:${name} go to that machine. Register with another --name, or revoke ${holderId} first if this machine replaces it.`,
    { extra: { reason: "name_taken", factoryId: holderId }, errors: [{ path: "name", message: `"${name}" is taken by ${holderId}` }] },
  );
}

const REFUSED: Record<"revoked" | "expired" | "used_up", string> = {
  revoked: "this enrollment token was revoked",
  expired: "this enrollment token has expired",
  used_up: "this enrollment token has no registrations left",
};

export async function admitFactory(ctx: CoordinatorContext, req: RegisterRequest, opts: AdmissionOptions): Promise<RegisterResponse> {
  const key = factoryNameKey(req.name);
  const holder = (await ctx.store.listFactories()).find((f) => holdsName(f) && factoryNameKey(f.name) === key);
  if (holder) throw nameTaken(req.name, holder.id);
  if (opts.tokenId) {
    try {
      await ctx.store.useEnrollmentToken(opts.tokenId, ctx.now());
    } catch (e) {
      const reason = isStoreError(e, "conflict") ? (e.details?.reason as keyof typeof REFUSED | undefined) : undefined;
      if (reason && REFUSED[reason]) throw new FleetError("forbidden", `${REFUSED[reason]}; ask an admin for a new one (Admin page: Enrollment tokens)`, { extra: { reason } });
      if (isStoreError(e, "not_found")) throw new FleetError("unauthorized", "the enrollment token is unknown or revoked");
      throw e;
    }
  }
  try {
    const registered = await registerFactory(ctx, req, { pending: opts.holdForApproval });
    if (opts.holdForApproval) log.warn({ factoryId: registered.factoryId, name: req.name }, "a new factory awaits approval (Admin page)");
    return registered;
  } catch (e) {
    if (isStoreError(e, "conflict") && e.details?.reason === "name_taken") throw nameTaken(req.name, String(e.details.factoryId));
    throw e;
  }
}

/** Lets a held factory work: pending → online. Anything else is not awaiting approval (409). */
export async function approveFactory(ctx: CoordinatorContext, factoryId: string, by: string) {
  const f = await ctx.store.getFactory(factoryId);
  if (!f) throw new FleetError("not_found", `no factory ${factoryId}`);
  if (f.status !== "pending") throw new FleetError("illegal_transition", `factory ${factoryId} is not awaiting approval (it is ${f.status})`);
  const now = ctx.now();
  const moved = await ctx.store.setFactoryStatus(factoryId, "online", now);
  // The token cache holds the pending record the factory's requests are judged by.
  forgetFactoryTokens();
  log.info({ factoryId, name: f.name, by }, "factory approved");
  ctx.notifier.fleetMessage({ kind: "factory", factoryId, status: moved.status, load: moved.load, running: moved.running.length, at: now });
  // Its waiting claim re-reads the factory on its next round; wake it now.
  ctx.notifier.jobQueued();
  return factoryView(moved, now, ctx.offlineAfterMs);
}

// ── enrollment tokens (Admin page, API, CLI) ──

const iso = (t: number) => new Date(t).toISOString();

export function enrollmentTokenView(t: EnrollmentTokenRecord, now: number): EnrollmentTokenView {
  return {
    id: t.id,
    name: t.name,
    createdAt: iso(t.createdAt),
    createdBy: t.createdBy,
    ...(t.expiresAt !== undefined ? { expiresAt: iso(t.expiresAt) } : {}),
    ...(t.maxUses !== undefined ? { maxUses: t.maxUses } : {}),
    uses: t.uses,
    ...(t.revokedAt !== undefined ? { revokedAt: iso(t.revokedAt) } : {}),
    state: enrollmentRefusal(t, now) ?? "active",
  };
}

export async function createEnrollmentToken(ctx: CoordinatorContext, req: CreateEnrollmentTokenRequest, by: string) {
  const token = generateToken("enrollment");
  const now = ctx.now();
  const rec = await ctx.store.createEnrollmentToken({
    id: newApiTokenId().replace(/^t-/, "e-"),
    productId: ctx.productId,
    name: req.name,
    tokenHash: hashToken(token),
    createdBy: by,
    ...(req.expiresIn !== undefined ? { expiresAt: now + req.expiresIn } : {}),
    ...(req.maxUses !== undefined ? { maxUses: req.maxUses } : {}),
    now,
  });
  log.info({ id: rec.id, name: rec.name, by }, "enrollment token created");
  return { ...enrollmentTokenView(rec, now), token };
}

export async function listEnrollmentTokens(ctx: CoordinatorContext) {
  const now = ctx.now();
  return { items: (await ctx.store.listEnrollmentTokens()).map((t) => enrollmentTokenView(t, now)) };
}

export async function revokeEnrollmentToken(ctx: CoordinatorContext, id: string) {
  return enrollmentTokenView(await ctx.store.revokeEnrollmentToken(id, ctx.now()), ctx.now());
}
