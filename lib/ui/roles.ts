/** viewer < operator < admin (CONTRACT §2). The UI hides what a role cannot do; the API refuses it anyway. */
import type { Role } from "./api-types";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return value === "viewer" || value === "operator" || value === "admin";
}

export function hasRole(actual: unknown, needed: Role): boolean {
  return isRole(actual) && RANK[actual] >= RANK[needed];
}
