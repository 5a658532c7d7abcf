import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { services } from "@/server/wiring";

export const dynamic = "force-dynamic";

/** next-auth v4 (sign-in, callbacks, session, csrf) with options built from the store and env. */
async function handler(req: NextRequest, context: { params: Promise<{ nextauth: string[] }> }) {
  const { authOptions } = await services();
  return NextAuth(req, context, authOptions) as Promise<Response>;
}

export { handler as GET, handler as POST };
