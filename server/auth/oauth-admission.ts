import "server-only";
import type { Env } from "@/server/env";

/**
 * Who OAuth sign-in admits, and under which identity (issue 14 §8). Accounts are keyed by the
 * provider's immutable subject, never by an e-mail address or a display name (both can be changed
 * by their owner, and an e-mail can be re-issued to someone else):
 *   GitHub   → `github:<numeric user id>`, handle = the login (for `reviewers: ["@login"]`);
 *   Azure AD → `azure-ad:<tenant id>:<object id>` (oid is stable across apps, tid says whose
 *              directory vouches for it), handle = preferred_username.
 * Who is admitted (nobody unless configured; server/env.ts refuses a provider with no rule):
 *   GitHub   → a member of one of FLEET_GITHUB_ALLOWED_ORGS, or the owner of a verified e-mail
 *              address in one of FLEET_OAUTH_ALLOWED_DOMAINS (asked of the GitHub API with the
 *              user's own access token, never read from the editable public profile);
 *   Azure AD → the token's tenant is AZURE_AD_TENANT_ID or one of FLEET_AZURE_ALLOWED_TENANTS,
 *              and, when FLEET_OAUTH_ALLOWED_DOMAINS is set, preferred_username is in one of them.
 * The rule is checked on every sign-in, so an account whose org membership ended is refused too.
 */
export interface OAuthPolicy {
  githubOrgs: string[];
  azureTenants: string[];
  domains: string[];
  githubApiUrl: string;
}

const MULTI_TENANT = new Set(["common", "organizations", "consumers"]);

export function oauthPolicy(e: Env): OAuthPolicy {
  const configured = e.AZURE_AD_TENANT_ID?.toLowerCase();
  const tenants = new Set(e.FLEET_AZURE_ALLOWED_TENANTS.map((t) => t.toLowerCase()));
  if (configured && !MULTI_TENANT.has(configured)) tenants.add(configured);
  return {
    githubOrgs: e.FLEET_GITHUB_ALLOWED_ORGS.map((o) => o.toLowerCase()),
    azureTenants: [...tenants],
    domains: e.FLEET_OAUTH_ALLOWED_DOMAINS.map((d) => d.toLowerCase()),
    githubApiUrl: e.GITHUB_API_URL.replace(/\/+$/, ""),
  };
}

/** The scopes GitHub sign-in asks for: org membership only when an org rule needs it. */
export function githubScope(p: OAuthPolicy): string {
  return p.githubOrgs.length > 0 ? "read:user user:email read:org" : "read:user user:email";
}

export interface OAuthIdentity {
  /** the user id in the store: provider + immutable subject */
  id: string;
  provider: string;
  /** the provider's handle (GitHub login, Azure preferred_username), matched by `reviewers` */
  handle?: string;
  /** display name: shown, never matched */
  name: string;
  email?: string;
}

/** What next-auth hands the signIn/jwt callbacks for an OAuth sign-in (the parts we read). */
export interface OAuthAccount {
  provider: string;
  providerAccountId: string;
  access_token?: string;
}

type Profile = Record<string, unknown> | undefined;
const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** The identity a provider vouches for, or undefined when its profile lacks the immutable subject. */
export function identityOf(account: OAuthAccount, profile: Profile): OAuthIdentity | undefined {
  switch (account.provider) {
    case "github": {
      const id = profile?.id;
      const subject = typeof id === "number" && Number.isSafeInteger(id) ? String(id) : str(id);
      if (!subject || !/^\d+$/.test(subject)) return undefined;
      const login = str(profile?.login);
      // The profile's e-mail is whatever its owner typed: only a verified one (admitOAuth) is kept.
      return { id: `github:${subject}`, provider: "github", ...(login ? { handle: login } : {}), name: str(profile?.name) ?? login ?? subject };
    }
    case "azure-ad": {
      const tid = str(profile?.tid)?.toLowerCase();
      const oid = str(profile?.oid)?.toLowerCase();
      if (!tid || !oid) return undefined;
      const upn = str(profile?.preferred_username);
      const email = (str(profile?.email) ?? upn)?.toLowerCase();
      return { id: `azure-ad:${tid}:${oid}`, provider: "azure-ad", ...(upn ? { handle: upn } : {}), name: str(profile?.name) ?? upn ?? oid, ...(email ? { email } : {}) };
    }
    default:
      return undefined;
  }
}

export type Admission = { ok: true; identity: OAuthIdentity } | { ok: false; reason: string };

const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

async function githubJson(p: OAuthPolicy, path: string, token: string, fetchImpl: typeof fetch): Promise<unknown> {
  const res = await fetchImpl(`${p.githubApiUrl}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "user-agent": "gigafactory" },
  });
  if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
  return res.json();
}

/** Whether this sign-in may create or use an account, and as whom. Never throws: a failed check refuses. */
export async function admitOAuth(p: OAuthPolicy, account: OAuthAccount, profile: Profile, fetchImpl: typeof fetch = fetch): Promise<Admission> {
  const identity = identityOf(account, profile);
  if (!identity) return { ok: false, reason: `the ${account.provider} profile carries no immutable subject` };
  try {
    if (identity.provider === "azure-ad") {
      const tid = identity.id.split(":")[1]!;
      if (!p.azureTenants.includes(tid)) return { ok: false, reason: `tenant ${tid} is not allowed` };
      if (p.domains.length > 0 && !(identity.handle && identity.handle.includes("@") && p.domains.includes(domainOf(identity.handle)))) {
        return { ok: false, reason: `${identity.handle ?? "the account"} is not in an allowed domain` };
      }
      return { ok: true, identity };
    }
    // github
    const token = account.access_token;
    if (!token) return { ok: false, reason: "no GitHub access token to check membership with" };
    if (p.githubOrgs.length > 0) {
      const orgs = (await githubJson(p, "/user/orgs?per_page=100", token, fetchImpl)) as { login?: unknown }[];
      if (Array.isArray(orgs) && orgs.some((o) => typeof o.login === "string" && p.githubOrgs.includes(o.login.toLowerCase()))) return { ok: true, identity };
    }
    if (p.domains.length > 0) {
      const emails = (await githubJson(p, "/user/emails?per_page=100", token, fetchImpl)) as { email?: unknown; verified?: unknown; primary?: unknown }[];
      const verified = Array.isArray(emails) ? emails.filter((e) => e.verified === true && typeof e.email === "string") : [];
      const allowed = verified.filter((e) => p.domains.includes(domainOf(e.email as string)));
      if (allowed.length > 0) {
        const email = ((allowed.find((e) => e.primary === true) ?? allowed[0])!.email as string).toLowerCase();
        return { ok: true, identity: { ...identity, email } };
      }
    }
    return { ok: false, reason: `${identity.handle ?? identity.id} is in no allowed organization and has no verified e-mail in an allowed domain` };
  } catch (e) {
    return { ok: false, reason: `the allow-list check failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
