import type { Metadata } from "next";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { signInErrorMessage } from "@/lib/ui/sign-in-error";
import { safeCallbackPath } from "@/server/auth/redirect";
import { services } from "@/server/wiring";

export const metadata: Metadata = { title: "Sign in · Gigafactory" };
// Reads the session per request; never prerendered at build time (the build opens no store).
export const dynamic = "force-dynamic";


export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Only same-origin paths are followed after sign-in (no open redirect through callbackUrl).
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  const { authOptions } = await services();
  if (await getServerSession(authOptions)) redirect(callbackUrl);
  // Identity-provider buttons appear only for providers configured in the environment.
  const providers = authOptions.providers.filter((p) => p.id !== "credentials").map((p) => ({ id: p.id, name: p.name }));
  return (
    <main className="page">
      <SignInForm providers={providers} callbackUrl={callbackUrl} initialError={signInErrorMessage(typeof params.error === "string" ? params.error : undefined)} />
    </main>
  );
}
