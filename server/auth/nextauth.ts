import "server-only";
import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import AzureADProvider from "next-auth/providers/azure-ad";
import { isRole, type Role } from "@/lib/api/roles";
import type { Env } from "@/server/env";
import type { Store } from "@/server/store/port";
import { log } from "@/server/log";
import { verifyPassword } from "./password";
import { admitOAuth, githubScope, identityOf, oauthPolicy, type OAuthAccount } from "./oauth-admission";
import { safeRedirect } from "./redirect";

/** The local admin's user id (OAuth people are keyed `<provider>:<subject>`: oauth-admission.ts). */
export const LOCAL_ADMIN = "admin";

declare module "next-auth" {
  interface User {
    role?: Role;
  }
  interface Session {
    user?: { name?: string | null; email?: string | null; image?: string | null; role?: Role };
  }
}

/**
 * next-auth v4 with JWT sessions carrying the role. Users and roles live in the store: the local
 * admin signs in with a password; GitHub / Azure AD people are admitted by the allow-list of
 * oauth-admission.ts (checked on every sign-in), created as viewers on their first one, keyed by the
 * provider's immutable subject, and promoted by an admin. The route builder re-reads the role from
 * the store on every request. `fetchImpl` (tests): how the GitHub API is asked.
 */
export function buildAuthOptions(deps: { store: Store; env: Env; secret: string; productId: string; fetchImpl?: typeof fetch }): AuthOptions {
  const { store, env } = deps;
  const policy = oauthPolicy(env);
  const providers: AuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Local admin",
      credentials: { username: { label: "User", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(credentials) {
        const username = (credentials?.username ?? "").trim().toLowerCase();
        const user = username ? await store.getUser(username) : undefined;
        const ok = await verifyPassword(credentials?.password ?? "", user?.passwordHash);
        if (!ok || !user) {
          log.warn({ username }, "failed sign-in");
          return null;
        }
        return { id: user.id, name: user.name, role: user.role };
      },
    }),
  ];
  if (env.GITHUB_ID && env.GITHUB_SECRET) {
    providers.push(GitHubProvider({ clientId: env.GITHUB_ID, clientSecret: env.GITHUB_SECRET, authorization: { params: { scope: githubScope(policy) } } }));
  }
  if (env.AZURE_AD_CLIENT_ID && env.AZURE_AD_CLIENT_SECRET) {
    providers.push(
      AzureADProvider({
        clientId: env.AZURE_AD_CLIENT_ID,
        clientSecret: env.AZURE_AD_CLIENT_SECRET,
        ...(env.AZURE_AD_TENANT_ID ? { tenantId: env.AZURE_AD_TENANT_ID } : {}),
      }),
    );
  }
  return {
    providers,
    secret: deps.secret,
    session: { strategy: "jwt", maxAge: 12 * 3600 },
    // Our page, not next-auth's built-in one: it redirects to `/signin?callbackUrl=…` to sign in and to
    // `/signin?error=<code>` when a provider or callback fails (AccessDenied, OAuthCallback, …), and
    // app/signin shows the code as a sentence (lib/ui/sign-in-error.ts).
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      // Same-origin only: next-auth's default lets `/\evil.example` through (browsers read it as
      // //evil.example).
      redirect({ url, baseUrl }) {
        return safeRedirect(url, baseUrl);
      },
      async signIn({ account, profile }) {
        if (!account || account.provider === "credentials") return true;
        const admitted = await admitOAuth(policy, account as OAuthAccount, profile as Record<string, unknown> | undefined, deps.fetchImpl);
        if (!admitted.ok) {
          log.warn({ provider: account.provider, reason: admitted.reason }, "OAuth sign-in refused");
          return false;
        }
        const who = admitted.identity;
        const existing = await store.getUser(who.id);
        // The role is the store's (an admin's choice); name, handle and e-mail follow the provider.
        await store.upsertUser({
          id: who.id,
          productId: existing?.productId ?? deps.productId,
          name: who.name,
          role: existing?.role ?? "viewer",
          provider: who.provider,
          ...(who.handle ? { login: who.handle } : {}),
          ...(who.email ? { email: who.email } : existing?.email ? { email: existing.email } : {}),
          now: Date.now(),
        });
        return true;
      },
      async jwt({ token, user, account, profile }) {
        if (user) {
          const id = account?.provider === "credentials" || !account ? user.id : identityOf(account as OAuthAccount, profile as Record<string, unknown> | undefined)?.id;
          // signIn admitted only sign-ins with an identity; anything else gets no subject (no session).
          if (!id) return { ...token, sub: undefined, role: undefined };
          token.sub = id;
          const rec = await store.getUser(id);
          token.role = rec?.role ?? user.role ?? "viewer";
        }
        return token;
      },
      async session({ session, token }) {
        session.user = { ...(session.user ?? {}), role: isRole(token.role) ? token.role : "viewer" };
        return session;
      },
    },
  };
}
