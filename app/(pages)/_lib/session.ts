import "server-only";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { isRole, roleAtLeast, type Role } from "@/lib/api/roles";
import { services } from "@/server/wiring";

export interface Viewer {
  name: string;
  role: Role;
}

/**
 * Who is looking at a page, checked on the server for every page: signed out → /signin (coming back
 * here afterwards). The role comes from the store when the user is known there, so a demotion takes
 * effect on the next page load, as it does for the API.
 */
export async function currentViewer(from: string): Promise<Viewer> {
  const { authOptions, store } = await services();
  const session = await getServerSession(authOptions);
  const user = session?.user;
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(from)}`);
  // People from identity providers are keyed by e-mail; the local admin has none and keeps the
  // role its token was issued with.
  const id = user.email?.toLowerCase();
  const stored = id ? await store.getUser(id).catch(() => undefined) : undefined;
  const role = stored?.role ?? (isRole(user.role) ? user.role : "viewer");
  return { name: user.name ?? user.email ?? "someone", role };
}

/** The viewer if their role is at least `need`; otherwise `forbidden` is true and the page says so. */
export async function requireRole(need: Role, from: string): Promise<Viewer & { forbidden: boolean }> {
  const viewer = await currentViewer(from);
  return { ...viewer, forbidden: !roleAtLeast(viewer.role, need) };
}
