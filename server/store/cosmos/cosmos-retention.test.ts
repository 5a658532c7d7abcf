import { CosmosClient, type Container } from "@azure/cosmos";
import https from "node:https";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newJob } from "../contract/fixtures";
import { openStore } from "../index";
import type { Store } from "../port";
import { startCosmosTestServer, type CosmosTestServer } from "../testing-server";
import { ensureContainers } from "./containers";
import { cosmosPrune } from "./cosmos-retention";

/**
 * The race Cosmos retention cannot lock out (no transactions): an operator requeues a dead-lettered
 * job between the sweep's read of it and its deletes, and the requeue's events and the new
 * attempt's log land first. The sweep must delete only the history that existed when it read the
 * job terminal, and leave the job for a later sweep (its mark write is refused by If-Match).
 */
let server: CosmosTestServer;
let client: CosmosClient;
beforeAll(async () => {
  server = await startCosmosTestServer();
  client = new CosmosClient({ endpoint: server.endpoint, key: server.key, agent: new https.Agent({ rejectUnauthorized: false }), connectionPolicy: { enableEndpointDiscovery: false } });
});
afterAll(async () => {
  client?.dispose();
  await server?.stop();
});

/** A container whose first query runs `before` first: the interleaving, made deterministic. */
function racing(container: Container, before: () => Promise<void>): Container {
  let fired = false;
  const items = new Proxy(container.items, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
      return (...args: Parameters<Container["items"]["query"]>) => {
        const real = target.query(...args);
        if (fired) return real;
        fired = true;
        return { fetchAll: async () => (await before(), await target.query(...args).fetchAll()) };
      };
    },
  });
  return new Proxy(container, { get: (t, p, r) => (p === "items" ? items : (Reflect.get(t, p, r) as unknown)) });
}

async function deadLettered(store: Store): Promise<string> {
  const { job } = await store.submitJob(newJob({ now: 1_000 }));
  await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "shell", leaseId: "L1", ttlMs: 60_000, now: 1_000 });
  await store.appendLog(job.id, { leaseId: "L1", epoch: 1, now: 1_001 }, [{ seq: 1, stream: "stdout", text: "old\n", at: 1_001 }]);
  await store.appendEvents(job.id, [{ type: "run:note", at: 1_001, data: "old" }]);
  await store.completeAttempt({ leaseId: "L1", epoch: 1, now: 1_002, result: { outcome: "failed", exitCode: 1 }, next: { stage: "dead_letter", countAttempt: true } });
  return job.id;
}

for (const what of ["events", "logs"] as const) {
  it(`a requeue racing the ${what} sweep keeps what it wrote; the job is left for a later sweep`, async () => {
    const database = `race${what}${Math.random().toString(36).slice(2, 6)}`;
    const store = await openStore({ kind: "cosmos", endpoint: server.endpoint, key: server.key, database, allowSelfSigned: true });
    try {
      const id = await deadLettered(store);
      const c = await ensureContainers((await client.databases.createIfNotExists({ id: database })).database);
      const requeueAndRun = async () => {
        await store.transitionStage(id, { to: "queued", now: 5_000, event: { type: "job:requeued", at: 5_000 } });
        await store.claimJob({ jobId: id, factoryId: "f1", engine: "shell", leaseId: "L2", ttlMs: 60_000, now: 5_001 });
        await store.appendLog(id, { leaseId: "L2", epoch: 2, now: 5_002 }, [{ seq: 1, stream: "stdout", text: "new\n", at: 5_002 }]);
        await store.appendEvents(id, [{ type: "run:note", at: 5_002, data: "new" }]);
      };
      const target = what === "events" ? racing(c.events, requeueAndRun) : racing(c.logs, requeueAndRun);
      const pruned = await cosmosPrune({ jobs: c.jobs, logs: what === "logs" ? target : c.logs, events: what === "events" ? target : c.events }, { what, terminalBefore: 2_000, limit: 10 });
      expect(pruned, "the mark write loses to the requeue").toEqual([]);
      expect((await store.getJob(id))?.stage).toBe("assigned");
      if (what === "events") {
        const events = await store.readEvents(id, 0, 100);
        expect(events.map((e) => e.data)).toContain("new");
        expect(events.some((e) => e.type === "job:requeued"), "the requeue's own event stays").toBe(true);
        expect(events.some((e) => e.data === "old"), "the history from before the requeue is pruned").toBe(false);
      } else {
        const log = (await store.readLog(id, 0, 100)).map((l) => l.text);
        expect(log).toEqual(["new\n"]);
      }
    } finally {
      await store.close();
    }
  }, 120_000);
}
