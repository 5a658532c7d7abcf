import "server-only";
import { getToken } from "next-auth/jwt";
import type { NextRequest } from "next/server";
import { isRole, roleAtLeast, type Role } from "@/lib/api/roles";
import type { Store } from "@/server/store/port";
import type { FactoryRecord } from "@/server/store/records";
import { FleetError } from "@/server/errors";
import { factoryByTokenHash } from "./factory-token-cache";
import { hashToken, matchesHash, tokenKind } from "./tokens";

/**
 * Who is calling. People come through a next-auth session cookie or an API token; factories through
 * their factory token; a machine that is not yet a factory through the enrollment token.
 */
export type Principal =
  | { kind: "person"; id: string; role: Role; via: "session" | "token" }
  | { kind: "factory"; factoryId: string; factory: FactoryRecord }
  /** tokenId: a stored enrollment token (Admin page); absent for the configured FLEET_ENROLLMENT_TOKEN */
  | { kind: "enrollment"; tokenId?: string }
  | { kind: "metrics" };

/** What a route admits. Roles admit people (session or API token) at that role or above. */
export type Access = "public" | Role | "factory" | "enrollment" | "metrics";

export interface AuthDeps {
  store: Store;
  enrollmentTokenHash: string;
  adminTokenHash?: string;
  metricsTokenHash?: string;
  nextAuthSecret: string;
  /** origins a cookie-authenticated write may come from besides the request's own host */
  trustedOrigins: string[];
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function bearerOf(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new FleetError("unauthorized", "the Authorization header must be `Bearer <token>`");
  return m[1];
}

async function fromBearer(token: string, deps: AuthDeps): Promise<Principal | undefined> {
  // Configured tokens may be any string (set in the environment), so they are checked by hash first.
  if (deps.adminTokenHash && matchesHash(token, deps.adminTokenHash)) {
    return { kind: "person", id: "admin-token", role: "admin", via: "token" };
  }
  if (matchesHash(token, deps.enrollmentTokenHash)) return { kind: "enrollment" };
  if (deps.metricsTokenHash && matchesHash(token, deps.metricsTokenHash)) return { kind: "metrics" };
  const kind = tokenKind(token);
  if (kind === "api") {
    const rec = await deps.store.findApiTokenByHash(hashToken(token));
    if (rec && rec.revokedAt === undefined && matchesHash(token, rec.tokenHash)) {
      return { kind: "person", id: `token:${rec.id}`, role: rec.role, via: "token" };
    }
  } else if (kind === "enrollment") {
    // A stored token (Admin page): expiry and uses are judged at registration, which says which.
    const rec = await deps.store.findEnrollmentTokenByHash(hashToken(token));
    if (rec && rec.revokedAt === undefined && matchesHash(token, rec.tokenHash)) return { kind: "enrollment", tokenId: rec.id };
  } else if (kind === "factory") {
    const f = await factoryByTokenHash(deps.store, hashToken(token));
    if (f && f.status !== "revoked" && matchesHash(token, f.tokenHash)) {
      return { kind: "factory", factoryId: f.id, factory: f };
    }
  }
  return undefined;
}

async function fromSession(req: NextRequest, deps: AuthDeps): Promise<Principal | undefined> {
  const hasCookie = req.cookies.getAll().some((c) => c.name.includes("next-auth.session-token"));
  if (!hasCookie) return undefined;
  const jwt = await getToken({ req, secret: deps.nextAuthSecret });
  if (!jwt || typeof jwt.sub !== "string") return undefined;
  // The store's role wins over the one in the cookie, so a demotion takes effect at once.
  const user = await deps.store.getUser(jwt.sub);
  const role = user?.role ?? (isRole(jwt.role) ? jwt.role : undefined);
  if (!role) return undefined;
  return { kind: "person", id: jwt.sub, role, via: "session" };
}

function checkOrigin(req: NextRequest, deps: AuthDeps): void {
  const origin = req.headers.get("origin");
  const host = req.headers.get("host");
  const proto = req.headers.get("x-forwarded-proto") ?? new URL(req.url).protocol.replace(":", "");
  const allowed = new Set(deps.trustedOrigins);
  if (host) allowed.add(`${proto}://${host}`);
  if (origin === null) {
    // Browsers send Origin on every cross-site write; a same-origin fetch may omit it but then says so.
    if (req.headers.get("sec-fetch-site") === "same-origin") return;
    throw new FleetError("forbidden", "a cookie-authenticated write must carry a same-origin Origin header");
  }
  if (origin === "null" || !allowed.has(origin)) {
    throw new FleetError("forbidden", "cross-origin writes with a session cookie are refused");
  }
}

/**
 * Authenticates the request and checks it against the route's access rule. Factory, enrollment and
 * metrics routes never look at cookies; a request with a Bearer header is judged by that token alone.
 */
export async function authorize(req: NextRequest, access: Access, deps: AuthDeps): Promise<Principal | undefined> {
  const bearer = bearerOf(req);
  let principal: Principal | undefined;
  if (bearer !== undefined) {
    principal = await fromBearer(bearer, deps);
    if (!principal) {
      if (access === "public") return undefined;
      throw new FleetError("unauthorized", "the token is unknown, malformed or revoked");
    }
  } else if (access !== "factory" && access !== "enrollment" && access !== "public") {
    principal = await fromSession(req, deps);
    if (principal && !SAFE_METHODS.has(req.method)) checkOrigin(req, deps);
  }
  if (access === "public") return principal;
  if (!principal) {
    const what = access === "factory" ? "a factory token" : access === "enrollment" ? "the enrollment token" : "a session or an API token";
    throw new FleetError("unauthorized", `this route needs ${what}`);
  }
  switch (access) {
    case "factory":
      if (principal.kind !== "factory") throw new FleetError("forbidden", "only a factory token reaches this route");
      return principal;
    case "enrollment":
      if (principal.kind !== "enrollment") throw new FleetError("forbidden", "only the enrollment token reaches this route");
      return principal;
    case "metrics":
      if (principal.kind === "metrics") return principal;
      if (principal.kind === "person") return principal;
      throw new FleetError("forbidden", "metrics need a viewer or the metrics token");
    default:
      if (principal.kind !== "person") throw new FleetError("forbidden", "this route is for people and API tokens");
      if (!roleAtLeast(principal.role, access)) {
        throw new FleetError("forbidden", `this route needs the ${access} role; you are ${principal.role}`);
      }
      return principal;
  }
}

/** A short name of the caller for events (`by`). */
export function actorOf(p: Principal | undefined): string {
  if (!p) return "anonymous";
  switch (p.kind) {
    case "person":
      return p.id;
    case "factory":
      return `factory:${p.factoryId}`;
    case "enrollment":
      return "enrollment";
    case "metrics":
      return "metrics";
  }
}
