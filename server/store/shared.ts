import "server-only";
import { StoreError } from "./errors";

/** Cursors are opaque to callers: base64url JSON of the provider's keyset position. */
export function encodeCursor(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

export function decodeCursor(cursor: string): unknown[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value)) return value;
  } catch {
    // fall through: a malformed cursor is the caller's input error
  }
  throw new StoreError("not_found", "unknown cursor");
}

/** Orders log chunks across attempts: epoch-major, then the agent's per-lease seq (< 1e9). */
export function logPos(epoch: number, seq: number): number {
  return epoch * 1_000_000_000 + seq;
}
