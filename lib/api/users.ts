import { z } from "zod";
import { ROLES } from "./roles";

/** A person who can sign in, as the Admin page lists them (`GET /users`). */
export const userView = z.object({
  id: z.string(),
  name: z.string(),
  /** OAuth users are keyed by their lower-cased e-mail; the local admin has none */
  email: z.string().optional(),
  role: z.enum(ROLES),
  /** how the user signs in: `credentials` (a password kept here) or the identity provider's id */
  provider: z.string().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type UserView = z.infer<typeof userView>;
export const userList = z.object({ items: z.array(userView) });

/** `PUT /users/{id}`: the new role, effective on that user's next request (roles are re-read per request). */
export const setUserRoleRequest = z.object({
  role: z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` }),
});
export type SetUserRoleRequest = z.infer<typeof setUserRoleRequest>;
