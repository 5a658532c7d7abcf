import "server-only";
import type { CreateApiTokenRequest } from "@/lib/api/admin";
import { generateToken, hashToken } from "@/server/auth/tokens";
import type { ApiTokenRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { newApiTokenId } from "./ids";

/** API tokens: created (the secret shown once, only its hash kept), listed and revoked. */

function tokenView(t: ApiTokenRecord) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: new Date(t.createdAt).toISOString(),
    ...(t.revokedAt !== undefined ? { revokedAt: new Date(t.revokedAt).toISOString() } : {}),
  };
}

export async function createApiToken(ctx: CoordinatorContext, req: CreateApiTokenRequest) {
  const token = generateToken("api");
  const rec = await ctx.store.createApiToken({
    id: newApiTokenId(),
    productId: ctx.productId,
    name: req.name,
    role: req.role,
    tokenHash: hashToken(token),
    now: ctx.now(),
  });
  return { ...tokenView(rec), token };
}

export async function listApiTokens(ctx: CoordinatorContext) {
  return { items: (await ctx.store.listApiTokens()).map(tokenView) };
}

export async function revokeApiToken(ctx: CoordinatorContext, id: string) {
  return tokenView(await ctx.store.revokeApiToken(id, ctx.now()));
}
