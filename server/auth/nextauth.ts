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
import { safeRedirect } from "./redirect";

/** The local admin's user id (users are otherwise keyed by lower-cased e-mail). */
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
 * admin signs in with a password; GitHub / Azure AD people are created as viewers on first sign-in
 * and promoted by an admin. The route builder re-reads the role from the store on every request.
 */
export function buildAuthOptions(deps: { store: Store; env: Env; secret: string; productId: string }): AuthOptions {
  const { store, env } = deps;
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
    providers.push(GitHubProvider({ clientId: env.GITHUB_ID, clientSecret: env.GITHUB_SECRET }));
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
      async signIn({ user, account }) {
        if (!account || account.provider === "credentials") return true;
        const email = user.email?.toLowerCase();
        if (!email) return false;
        const existing = await store.getUser(email);
        if (!existing) {
          await store.upsertUser({ id: email, productId: deps.productId, name: user.name ?? email, role: "viewer", provider: account.provider, now: Date.now() });
        }
        return true;
      },
      async jwt({ token, user, account }) {
        if (user) {
          const id = account?.provider === "credentials" ? user.id : (user.email ?? user.id).toLowerCase();
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
