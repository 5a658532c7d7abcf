import "server-only";
import type { Store } from "@/server/store/port";
import type { FactoryRecord } from "@/server/store/records";

/**
 * Factory token → factory, cached for at most TTL_MS: every claim, renew, event and complete starts
 * with this lookup, and a factory polls hard. Revocation and draining through this process clear the
 * cache at once (factories.ts); another instance's revocation is honoured within TTL_MS. Nothing that
 * matters for correctness rests on it: every agent write is still fenced by (leaseId, epoch) in the
 * store, and revoking a factory cancels its leases there. Kept on globalThis so every route bundle
 * shares one cache (see server/wiring.ts).
 */
const TTL_MS = 1_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  factory: FactoryRecord;
  at: number;
}

const KEY = Symbol.for("gigafactory.factoryTokenCache");
const holder = globalThis as unknown as { [KEY]?: Map<string, Entry> };

function cache(): Map<string, Entry> {
  return (holder[KEY] ??= new Map());
}

export async function factoryByTokenHash(store: Store, tokenHash: string, now = Date.now()): Promise<FactoryRecord | undefined> {
  const c = cache();
  const hit = c.get(tokenHash);
  if (hit && now - hit.at < TTL_MS) return hit.factory;
  const f = await store.getFactoryByTokenHash(tokenHash);
  if (!f || f.status === "revoked") {
    c.delete(tokenHash);
    return f;
  }
  if (c.size >= MAX_ENTRIES) c.clear();
  c.set(tokenHash, { factory: f, at: now });
  return f;
}

/** A factory's status changed here (drained, revoked): the next request reads the store. */
export function forgetFactoryTokens(): void {
  cache().clear();
}

/**
 * A heartbeat through this process wrote `f` (re-detected capabilities, price…): a cached entry
 * takes it at once, so the next claim records the versions just advertised (run-versions.ts).
 */
export function refreshFactoryToken(f: FactoryRecord, now = Date.now()): void {
  const c = cache();
  if (c.has(f.tokenHash)) c.set(f.tokenHash, { factory: f, at: now });
}
