import "server-only";
import type { Principal } from "@/server/auth/principal";

/** The key registrations are counted under: the enrollment token used (the configured one, or a stored one by id). */
export function enrollmentKey(p: Extract<Principal, { kind: "enrollment" }>): string {
  return `enrollment:${p.tokenId ?? "configured"}`;
}
