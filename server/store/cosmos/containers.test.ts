import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { openStore } from "../index";
import { startCosmosTestServer, type CosmosTestServer } from "../testing-server";

/**
 * Several app instances start at once against a fresh database: every one of them creates the
 * database and the containers if missing. The SDK's createIfNotExists is read-then-create, so the
 * slower instance gets 409 on its create; that must count as "exists", not fail the start.
 */
let server: CosmosTestServer;
beforeAll(async () => {
  server = await startCosmosTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("cosmos: concurrent first start", () => {
  it("instances opening one fresh database together all succeed", async () => {
    const database = `t${randomUUID().slice(0, 8)}`;
    const open = () => openStore({ kind: "cosmos", endpoint: server.endpoint, key: server.key, database, allowSelfSigned: true });
    const stores = await Promise.all([open(), open(), open()]);
    try {
      for (const s of stores) expect((await s.getSettings()).killSwitch.on).toBe(false);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
