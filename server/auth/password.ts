import "server-only";
import { randomBytes, scrypt, timingSafeEqual, type BinaryLike } from "node:crypto";

/** Passwords are kept as `scrypt$<salt>$<hash>` (base64url); verification is constant-time. */
function scryptAsync(password: BinaryLike, salt: BinaryLike, len: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, len, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, saltText, hashText] = (stored ?? "").split("$");
  // Still do the work on a missing record so timing does not say whether the user exists.
  const salt = scheme === "scrypt" && saltText ? Buffer.from(saltText, "base64url") : Buffer.alloc(16);
  const expected = scheme === "scrypt" && hashText ? Buffer.from(hashText, "base64url") : Buffer.alloc(32);
  const key = await scryptAsync(password, salt, 32);
  return scheme === "scrypt" && expected.length === key.length && timingSafeEqual(key, expected);
}

/** A password for the generated local admin: 20 random bytes, base64url. */
export function generatePassword(): string {
  return randomBytes(20).toString("base64url");
}
