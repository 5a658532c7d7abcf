import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { env } from "@/server/env";
import { SignInThrottle } from "@/server/limits/sign-in-throttle";
import { services } from "@/server/wiring";

export const dynamic = "force-dynamic";

/** One per process (see SignInThrottle for why that is enough). */
let throttle: SignInThrottle | undefined;
function throttleOf(): SignInThrottle {
  const e = env();
  throttle ??= new SignInThrottle({ free: e.FLEET_SIGNIN_FREE_FAILURES, baseMs: e.FLEET_SIGNIN_BACKOFF_MS, maxMs: e.FLEET_SIGNIN_MAX_BACKOFF_MS });
  return throttle;
}

/**
 * next-auth v4 (sign-in, callbacks, session, csrf) with options built from the store and env. A
 * password sign-in goes through the failure backoff first: a locked name gets 429 with Retry-After
 * and next-auth (and the password hash) never runs.
 */
async function handler(req: NextRequest, context: { params: Promise<{ nextauth: string[] }> }) {
  const { authOptions } = await services();
  const isPasswordSignIn = req.method === "POST" && new URL(req.url).pathname.endsWith("/callback/credentials");
  if (!isPasswordSignIn) return NextAuth(req, context, authOptions) as Promise<Response>;
  const form = await req.clone().formData().catch(() => undefined);
  const name = String(form?.get("username") ?? "").trim().toLowerCase().slice(0, 256);
  const t = throttleOf();
  const wait = t.retryAfterMs(name);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    return Response.json(
      { type: "about:blank", title: "Too Many Requests", status: 429, code: "rate_limited", detail: `too many failed sign-ins for this user: try again in ${seconds} s` },
      { status: 429, headers: { "retry-after": String(seconds), "content-type": "application/problem+json", "cache-control": "no-store" } },
    );
  }
  const res = (await NextAuth(req, context, authOptions)) as Response;
  const signedIn = res.headers.getSetCookie().some((c) => /next-auth\.session-token=[^;]/.test(c));
  if (signedIn) t.succeeded(name);
  else t.failed(name);
  return res;
}

export { handler as GET, handler as POST };
