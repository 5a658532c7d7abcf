import "server-only";
import type { Role } from "@/lib/api/roles";
import type { UserView } from "@/lib/api/users";
import { FleetError } from "@/server/errors";
import { log } from "@/server/log";
import type { UserRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";

/**
 * People and their roles (the Admin page). Users are created at sign-in (OAuth people as viewers,
 * the local admin at start); here an admin lists them and changes roles. A role change needs no
 * session refresh: the route builder re-reads the role from the store on every request.
 */

function userView(u: UserRecord): UserView {
  return {
    id: u.id,
    name: u.name,
    ...(u.email ? { email: u.email } : u.id.includes("@") ? { email: u.id } : {}),
    role: u.role,
    // Users stored before `provider` existed: a password means the local credentials sign-in.
    ...(u.provider ? { provider: u.provider } : u.passwordHash ? { provider: "credentials" } : {}),
    createdAt: new Date(u.createdAt).toISOString(),
    updatedAt: new Date(u.updatedAt).toISOString(),
  };
}

export async function listUsers(ctx: CoordinatorContext) {
  return { items: (await ctx.store.listUsers()).map(userView) };
}

const admins = (users: UserRecord[]) => users.filter((u) => u.role === "admin").length;

/**
 * Sets a user's role; demoting the last admin is refused (409), so the Admin page can never lock
 * everyone out. The store has no conditional write over all users, so the check runs again after
 * the write: two admins demoting each other at once both see none left and put themselves back,
 * which errs on the side of keeping an admin.
 */
export async function setUserRole(ctx: CoordinatorContext, id: string, role: Role, by: string) {
  const before = await ctx.store.getUser(id);
  if (!before) throw new FleetError("not_found", `no user ${id}`);
  if (before.role === role) return userView(before);
  const lastAdmin = () =>
    new FleetError("conflict", `${id} is the last admin; make someone else admin first`, { extra: { reason: "last_admin" } });
  if (before.role === "admin" && admins(await ctx.store.listUsers()) <= 1) throw lastAdmin();
  const after = await ctx.store.setUserRole(id, role, ctx.now());
  if (before.role === "admin" && admins(await ctx.store.listUsers()) === 0) {
    await ctx.store.setUserRole(id, before.role, ctx.now());
    throw lastAdmin();
  }
  log.info({ user: id, from: before.role, to: role, by }, "user role changed");
  return userView(after);
}
