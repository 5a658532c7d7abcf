import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Bearer tokens of the fleet. A token is `<prefix>_<body><check>`: 24 random bytes (192 bits) in
 * base64url, then 6 characters of checksum (SHA-256 of prefix+body). The prefix names the kind, so a
 * leaked token is recognisable by secret scanners and a factory token can never be mistaken for an API
 * token; the checksum rejects typos and random probes without touching the store. Only the SHA-256 of a
 * whole token is ever stored, and comparisons go through `timingSafeEqual`.
 */
export const TOKEN_PREFIXES = { api: "gfa", factory: "gff", enrollment: "gfe" } as const;
export type TokenKind = keyof typeof TOKEN_PREFIXES;

const BODY_CHARS = 32; // base64url of 24 bytes
const CHECK_CHARS = 6;

function checksum(prefix: string, body: string): string {
  return createHash("sha256").update(`${prefix}_${body}`).digest("base64url").slice(0, CHECK_CHARS);
}

export function generateToken(kind: TokenKind): string {
  const prefix = TOKEN_PREFIXES[kind];
  const body = randomBytes(24).toString("base64url");
  return `${prefix}_${body}${checksum(prefix, body)}`;
}

/** The kind of a well-formed token whose checksum matches, else undefined (no store lookup needed). */
export function tokenKind(token: string): TokenKind | undefined {
  const m = /^(gfa|gff|gfe)_([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return undefined;
  const prefix = m[1]!;
  const rest = m[2]!;
  if (rest.length !== BODY_CHARS + CHECK_CHARS) return undefined;
  const body = rest.slice(0, BODY_CHARS);
  if (!safeEqual(rest.slice(BODY_CHARS), checksum(prefix, body))) return undefined;
  return (Object.keys(TOKEN_PREFIXES) as TokenKind[]).find((k) => TOKEN_PREFIXES[k] === prefix);
}

/** The only form in which a token is kept: hex SHA-256. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time string comparison (hashes both sides first so lengths never leak). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Constant-time comparison of a presented token against a stored hash. */
export function matchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
