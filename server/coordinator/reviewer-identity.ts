import "server-only";
import type { Store } from "@/server/store/port";

/**
 * The names an actor answers to for `review-policy: {reviewers: [...]}` (issue 14 §8). Only names
 * that prove who someone is: the user id (for OAuth people the provider's immutable subject,
 * `github:123`), the provider handle recorded from the provider's own profile at sign-in (the GitHub
 * login, the Azure preferred_username), and for an e-mail-like id or handle its local part (the
 * account is already in an allowed org, tenant or domain: oauth-admission.ts). Never a display name
 * (anyone sets their own) and never an API token's name (an admin's label): such an actor approves
 * only as its id, `token:<id>`.
 */
export async function actorNames(store: Store, id: string): Promise<string[]> {
  const names = new Set([id]);
  const addHandle = (h: string) => {
    names.add(h);
    if (h.includes("@")) names.add(h.slice(0, h.indexOf("@")));
  };
  if (id.includes("@")) addHandle(id);
  if (!id.startsWith("token:")) {
    const u = await store.getUser(id);
    if (u?.login) addHandle(u.login);
  }
  return [...names];
}
