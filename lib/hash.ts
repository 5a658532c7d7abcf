/**
 * Content hashes that run anywhere (browser, agent, server): sha256 through @noble/hashes, no node:crypto.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";

/** Lowercase hex sha256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** A short content id: the first `length` hex digits of sha256 (12 by default, 48 bits). */
export function shortHash(text: string, length = 12): string {
  return sha256Hex(text).slice(0, length);
}

/**
 * A stable JSON serialization (object keys sorted, recursively) so that equal content gives an equal
 * hash whatever the key order: used to compare job contents (idempotency keys) and profile snapshots.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
