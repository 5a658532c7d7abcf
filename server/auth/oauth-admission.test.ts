import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account, AuthOptions, Profile, User } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { actorNames } from "@/server/coordinator/reviewer-identity";
import { decideApproval } from "@/server/coordinator/policies/gates";
import { EnvError, parseEnv } from "@/server/env";
import { openStore } from "@/server/store";
import type { Store } from "@/server/store/port";
import { buildAuthOptions } from "./nextauth";

/**
 * Issue 14 §8: OAuth sign-in admits only allowed orgs, tenants or domains (nobody by default, no
 * `common` tenant), keys the account by the provider's immutable subject, and reviewers match that
 * identity, never a display name. The next-auth callbacks run as functions with provider-shaped
 * profiles, against a real SQLite store and a GitHub API served over real HTTP.
 */
const TENANT = "11111111-2222-3333-4444-555555555555";
const OTHER_TENANT = "99999999-2222-3333-4444-555555555555";

/** token → what the fake GitHub API says about its owner */
const github: Record<string, { orgs: string[]; emails: { email: string; verified: boolean; primary: boolean }[] } | "fail"> = {
  "tok-alice": { orgs: ["Acme"], emails: [] },
  "tok-eve": { orgs: ["elsewhere"], emails: [{ email: "alice@acme.example", verified: false, primary: true }] },
  "tok-dana": { orgs: [], emails: [{ email: "dana@other.example", verified: true, primary: true }, { email: "dana@acme.example", verified: true, primary: false }] },
  "tok-down": "fail",
};

let api: Server;
let apiUrl = "";
let dir = "";
let store: Store;
const seen: string[] = [];

beforeAll(async () => {
  api = createServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    seen.push(`${req.url} ${token}`);
    const who = github[token];
    if (!who || who === "fail") return void res.writeHead(who === "fail" ? 500 : 401).end();
    const body = req.url!.startsWith("/user/orgs") ? who.orgs.map((login) => ({ login })) : req.url!.startsWith("/user/emails") ? who.emails : undefined;
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
  const addr = api.address();
  apiUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  dir = mkdtempSync(path.join(os.tmpdir(), "gf-oauth-"));
  store = await openStore({ kind: "sqlite", file: path.join(dir, "fleet.db") });
});

afterAll(async () => {
  await store?.close();
  await new Promise<void>((r) => api?.close(() => r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function options(settings: Record<string, string>): AuthOptions {
  const env = parseEnv({ GITHUB_API_URL: apiUrl, ...settings });
  return buildAuthOptions({ store, env, secret: "s".repeat(32), productId: "default" });
}

const githubAccount = (id: number, token: string): Account => ({ provider: "github", type: "oauth", providerAccountId: String(id), access_token: token });
const githubProfile = (id: number | undefined, login: string, extra: Record<string, unknown> = {}) => ({ id, login, name: login, ...extra }) as unknown as Profile;
const azureAccount = (sub: string): Account => ({ provider: "azure-ad", type: "oauth", providerAccountId: sub, access_token: "az" });
const azureProfile = (tid: string, oid: string, upn: string, name = upn) => ({ sub: `pairwise-${oid}`, tid, oid, preferred_username: upn, name, email: upn }) as unknown as Profile;

async function signIn(o: AuthOptions, account: Account, profile: Profile): Promise<unknown> {
  const user = { id: account.providerAccountId, name: String((profile as { name?: string }).name ?? ""), email: "whatever@typed.example" } as User;
  return o.callbacks!.signIn!({ user, account, profile } as Parameters<NonNullable<NonNullable<AuthOptions["callbacks"]>["signIn"]>>[0]);
}

async function jwtSub(o: AuthOptions, account: Account, profile: Profile): Promise<string | undefined> {
  const user = { id: account.providerAccountId, name: "x", email: "whatever@typed.example" } as User;
  const token = await o.callbacks!.jwt!({ token: {} as JWT, user, account, profile, trigger: "signIn" } as Parameters<NonNullable<NonNullable<AuthOptions["callbacks"]>["jwt"]>>[0]);
  return token.sub;
}

describe("settings: OAuth admits nobody unless told whom", () => {
  const fails = (env: Record<string, string>) => {
    try {
      parseEnv(env);
      return [];
    } catch (e) {
      return e instanceof EnvError ? e.problems.map((p) => p.variable) : ["?"];
    }
  };
  it("GitHub needs an org or a domain rule; Azure AD needs a tenant (never common unless the tenants are listed)", () => {
    expect(fails({ GITHUB_ID: "id", GITHUB_SECRET: "s" })).toEqual(["FLEET_GITHUB_ALLOWED_ORGS"]);
    expect(fails({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_GITHUB_ALLOWED_ORGS: "acme" })).toEqual([]);
    expect(fails({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_OAUTH_ALLOWED_DOMAINS: "acme.example" })).toEqual([]);
    expect(fails({ AZURE_AD_CLIENT_ID: "id", AZURE_AD_CLIENT_SECRET: "s" })).toEqual(["AZURE_AD_TENANT_ID"]);
    expect(fails({ AZURE_AD_CLIENT_ID: "id", AZURE_AD_CLIENT_SECRET: "s", AZURE_AD_TENANT_ID: "common" })).toEqual(["AZURE_AD_TENANT_ID"]);
    expect(fails({ AZURE_AD_CLIENT_ID: "id", AZURE_AD_CLIENT_SECRET: "s", AZURE_AD_TENANT_ID: TENANT })).toEqual([]);
    expect(fails({ AZURE_AD_CLIENT_ID: "id", AZURE_AD_CLIENT_SECRET: "s", AZURE_AD_TENANT_ID: "organizations", FLEET_AZURE_ALLOWED_TENANTS: `${TENANT}, ${OTHER_TENANT}` })).toEqual([]);
    expect(fails({ FLEET_AZURE_ALLOWED_TENANTS: "common" })).toEqual(["FLEET_AZURE_ALLOWED_TENANTS"]);
    expect(fails({ FLEET_OAUTH_ALLOWED_DOMAINS: "not a domain" })).toEqual(["FLEET_OAUTH_ALLOWED_DOMAINS"]);
  });

  it("GitHub asks for read:org only when an org rule needs it", () => {
    const scopeOf = (o: AuthOptions) => JSON.stringify(o.providers.find((p) => p.id === "github"));
    expect(scopeOf(options({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_GITHUB_ALLOWED_ORGS: "acme" }))).toContain("read:org");
    expect(scopeOf(options({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_OAUTH_ALLOWED_DOMAINS: "acme.example" }))).not.toContain("read:org");
  });
});

describe("GitHub sign-in", () => {
  const byOrg = () => options({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_GITHUB_ALLOWED_ORGS: "acme" });
  const byDomain = () => options({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_OAUTH_ALLOWED_DOMAINS: "acme.example" });

  it("a member of an allowed org gets an account keyed github:<id>, as a viewer; the session carries that id", async () => {
    const o = byOrg();
    expect(await signIn(o, githubAccount(101, "tok-alice"), githubProfile(101, "alice"))).toBe(true);
    expect(await store.getUser("github:101")).toMatchObject({ id: "github:101", provider: "github", login: "alice", role: "viewer" });
    expect(await jwtSub(o, githubAccount(101, "tok-alice"), githubProfile(101, "alice"))).toBe("github:101");
    expect(seen).toContain("/user/orgs?per_page=100 tok-alice");
  });

  it("the account follows the subject, not the e-mail or name: a renamed login keeps the account and its role", async () => {
    const o = byOrg();
    await store.setUserRole("github:101", "operator", Date.now());
    expect(await signIn(o, githubAccount(101, "tok-alice"), githubProfile(101, "alice-renamed", { email: "new@mail.example" }))).toBe(true);
    expect(await store.getUser("github:101")).toMatchObject({ login: "alice-renamed", role: "operator" });
    expect((await store.listUsers()).filter((u) => u.provider === "github").map((u) => u.id)).toEqual(["github:101"]);
  });

  it("someone outside the orgs is refused, whatever e-mail and display name their profile claims; nothing is stored", async () => {
    const o = byOrg();
    expect(await signIn(o, githubAccount(666, "tok-eve"), githubProfile(666, "eve", { email: "alice@acme.example", name: "alice" }))).toBe(false);
    expect(await store.getUser("github:666")).toBeUndefined();
    expect(await jwtSub(o, githubAccount(666, "tok-eve"), githubProfile(666, "eve"))).toBe("github:666"); // jwt runs only after signIn said yes
  });

  it("a domain rule admits only a verified address in the domain (and keeps that address); an unverified one is refused", async () => {
    const o = byDomain();
    expect(await signIn(o, githubAccount(202, "tok-dana"), githubProfile(202, "dana"))).toBe(true);
    expect(await store.getUser("github:202")).toMatchObject({ email: "dana@acme.example", login: "dana" });
    expect(await signIn(o, githubAccount(666, "tok-eve"), githubProfile(666, "eve"))).toBe(false);
  });

  it("refuses when the check cannot be made (API error, no token) or the profile has no numeric id", async () => {
    const o = byOrg();
    expect(await signIn(o, githubAccount(303, "tok-down"), githubProfile(303, "down"))).toBe(false);
    expect(await signIn(o, { ...githubAccount(101, "x"), access_token: undefined } as Account, githubProfile(101, "alice"))).toBe(false);
    expect(await signIn(o, githubAccount(101, "tok-alice"), githubProfile(undefined, "alice"))).toBe(false);
    expect(await store.getUser("github:303")).toBeUndefined();
  });
});

describe("Azure AD sign-in", () => {
  it("admits the configured tenant only, keyed azure-ad:<tid>:<oid> (not the pairwise sub, not the e-mail)", async () => {
    const o = options({ AZURE_AD_CLIENT_ID: "id", AZURE_AD_CLIENT_SECRET: "s", AZURE_AD_TENANT_ID: TENANT });
    const oid = "aaaaaaaa-0000-0000-0000-000000000001";
    expect(await signIn(o, azureAccount("pairwise"), azureProfile(TENANT, oid, "carol@acme.example", "Carol"))).toBe(true);
    expect(await store.getUser(`azure-ad:${TENANT}:${oid}`)).toMatchObject({ provider: "azure-ad", login: "carol@acme.example", name: "Carol", role: "viewer" });
    expect(await jwtSub(o, azureAccount("pairwise"), azureProfile(TENANT, oid, "carol@acme.example"))).toBe(`azure-ad:${TENANT}:${oid}`);
    expect(await signIn(o, azureAccount("x"), azureProfile(OTHER_TENANT, oid, "carol@acme.example"))).toBe(false);
    expect(await signIn(o, azureAccount("x"), { tid: TENANT, sub: "s", preferred_username: "nooid@acme.example" } as unknown as Profile)).toBe(false);
    expect(await store.getUser(`azure-ad:${OTHER_TENANT}:${oid}`)).toBeUndefined();
  });

  it("with a domain rule too, the tenant and the domain must both match", async () => {
    const o = options({ AZURE_AD_CLIENT_ID: "id", AZURE_AD_CLIENT_SECRET: "s", AZURE_AD_TENANT_ID: TENANT, FLEET_OAUTH_ALLOWED_DOMAINS: "acme.example" });
    expect(await signIn(o, azureAccount("x"), azureProfile(TENANT, "aaaaaaaa-0000-0000-0000-000000000002", "guest@partner.example"))).toBe(false);
    expect(await signIn(o, azureAccount("x"), azureProfile(TENANT, "aaaaaaaa-0000-0000-0000-000000000003", "dev@acme.example"))).toBe(true);
  });
});

describe("reviewers match the identity, never a display name", () => {
  it("the GitHub login (as of the last sign-in) counts; a display name or a token's name does not", async () => {
    const o = options({ GITHUB_ID: "id", GITHUB_SECRET: "s", FLEET_GITHUB_ALLOWED_ORGS: "acme" });
    github["tok-mallory"] = { orgs: ["acme"], emails: [] };
    // mallory sets her display name to "@alice": it must not make her alice
    expect(await signIn(o, githubAccount(404, "tok-mallory"), githubProfile(404, "mallory", { name: "@alice" }))).toBe(true);
    expect(await signIn(o, githubAccount(505, "tok-alice"), githubProfile(505, "alice"))).toBe(true);
    const policy = { reviewers: ["@alice"] };
    expect(decideApproval(policy, [], await actorNames(store, "github:404"))).toMatchObject({ ok: false, code: "forbidden" });
    expect(decideApproval(policy, [], await actorNames(store, "github:505"))).toMatchObject({ ok: true, reviewer: "@alice" });
    await store.createApiToken({ id: "t-alice", productId: "default", name: "alice", role: "operator", tokenHash: "h-alice", now: 1 });
    expect(await actorNames(store, "token:t-alice")).toEqual(["token:t-alice"]);
    expect(decideApproval(policy, [], await actorNames(store, "token:t-alice"))).toMatchObject({ ok: false, code: "forbidden" });
  });
});
