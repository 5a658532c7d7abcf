import "server-only";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { openStore } from "./index";
import type { Store } from "./port";
import { startCosmosTestServer, type CosmosTestServer } from "./testing-server";

/**
 * Test helpers for every suite that needs a real store (DESIGN.md: don't mock the store). Each
 * `newStore()` is isolated (its own SQLite file or its own Cosmos database) and closed after the test.
 */

export { COSMOS_TEST_KEY, startCosmosTestServer, type CosmosTestServer } from "./testing-server";

export type StoreKind = Store["kind"];
export const STORE_KINDS: readonly StoreKind[] = ["sqlite", "cosmos"];

export interface StoreFactory {
  kind: StoreKind;
  /** a fresh, empty store, closed (and its file removed) after the current test */
  newStore(): Promise<Store>;
  /** another handle on the same data as `of` (second connection / second app instance) */
  reopen(of: Store): Promise<Store>;
}

/**
 * Registers the hooks for one provider inside the current `describe` and returns its factory:
 * SQLite gets a temp directory; Cosmos gets one test server for the whole describe block.
 */
export function withStore(kind: StoreKind): StoreFactory {
  let dir = "";
  let server: CosmosTestServer | undefined;
  const open: Store[] = [];
  const where = new Map<Store, { file?: string; database?: string }>();

  beforeAll(async () => {
    if (kind === "sqlite") dir = mkdtempSync(path.join(os.tmpdir(), "fleet-store-"));
    else server = await startCosmosTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await server?.stop();
  });

  const openAt = async (loc: { file?: string; database?: string }): Promise<Store> => {
    const store =
      kind === "sqlite"
        ? await openStore({ kind: "sqlite", file: loc.file! })
        : await openStore({
            kind: "cosmos",
            endpoint: server!.endpoint,
            key: server!.key,
            database: loc.database!,
            allowSelfSigned: true,
          });
    open.push(store);
    where.set(store, loc);
    return store;
  };

  return {
    kind,
    newStore: () =>
      openAt(kind === "sqlite" ? { file: path.join(dir, `${randomUUID()}.db`) } : { database: `t${randomUUID().slice(0, 8)}` }),
    reopen: (of) => {
      const loc = where.get(of);
      if (!loc) throw new Error("reopen: store was not opened by this factory");
      return openAt(loc);
    },
  };
}

/** Runs `body` once per provider, each inside its own describe block with its own hooks. */
export function forEachProvider(body: (factory: StoreFactory) => void): void {
  for (const kind of STORE_KINDS) {
    describe(`store provider: ${kind}`, () => body(withStore(kind)));
  }
}
