import { CosmosClient } from "@azure/cosmos";
import { randomUUID } from "node:crypto";
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJob } from "../contract/fixtures";
import { openStore } from "../index";
import type { Store } from "../port";
import { startCosmosTestServer, type CosmosTestServer } from "../testing-server";
import { CONTAINERS } from "./containers";

/**
 * The Cosmos outbox's crash case: a writer whose job replace landed but who died before copying the
 * events to fleet_events. Simulated with the raw SDK by deleting the copies a real write made (the
 * job document still holds them, as after such a crash). The job's timeline must stay whole, and
 * the next write must copy them back before numbering its own events.
 */
let server: CosmosTestServer;
let raw: CosmosClient;
beforeAll(async () => {
  server = await startCosmosTestServer();
  raw = new CosmosClient({
    endpoint: server.endpoint,
    key: server.key,
    agent: new https.Agent({ rejectUnauthorized: false }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
});
afterAll(async () => {
  raw?.dispose();
  await server?.stop();
});

async function eventSeqsIn(database: string, jobId: string): Promise<number[]> {
  const { resources } = await raw
    .database(database)
    .container(CONTAINERS.events)
    .items.query<number>({ query: "SELECT VALUE c.seq FROM c WHERE c.jobId = @j", parameters: [{ name: "@j", value: jobId }] })
    .fetchAll();
  return resources.sort((a, b) => a - b);
}

async function dropCopies(database: string, jobId: string, seqs: number[]): Promise<void> {
  for (const seq of seqs) await raw.database(database).container(CONTAINERS.events).item(String(seq).padStart(12, "0"), jobId).delete();
}

describe("cosmos event outbox: a crash between the job write and the event copy", () => {
  it("the timeline stays whole and the next write copies the events back, in order", async () => {
    const database = `t${randomUUID().slice(0, 8)}`;
    const open = () => openStore({ kind: "cosmos", endpoint: server.endpoint, key: server.key, database, allowSelfSigned: true });
    const stores: Store[] = [];
    try {
      const writer = await open();
      stores.push(writer);
      const { job } = await writer.submitJob(newJob());
      await writer.appendEvents(job.id, [{ type: "job:submitted", at: 1 }]);
      await writer.transitionStage(job.id, { to: "paused", now: 2, events: [{ type: "stage:changed", at: 2 }, { type: "budget:exceeded", at: 2 }] });
      await dropCopies(database, job.id, [2, 3]);
      expect(await eventSeqsIn(database, job.id)).toEqual([1]);

      // another instance (no cache of what was copied) reads the whole timeline from the job document
      const reader = await open();
      stores.push(reader);
      expect((await reader.readEvents(job.id, 0, 10)).map((e) => [e.seq, e.type])).toEqual([
        [1, "job:submitted"],
        [2, "stage:changed"],
        [3, "budget:exceeded"],
      ]);
      expect((await reader.readEvents(job.id, 2, 1)).map((e) => e.seq)).toEqual([3]);

      // its next write with events restores 2 and 3 before storing 4: no gap, no renumbering
      const next = await reader.transitionStage(job.id, { to: "queued", now: 3, events: [{ type: "stage:changed", at: 3 }] });
      expect(next.stage).toBe("queued");
      expect(await eventSeqsIn(database, job.id)).toEqual([1, 2, 3, 4]);
      expect((await writer.readEvents(job.id, 0, 10)).map((e) => e.type)).toEqual(["job:submitted", "stage:changed", "budget:exceeded", "stage:changed"]);
      // the outbox never shows through the port
      expect(Object.keys(next).filter((k) => k.startsWith("x_"))).toEqual([]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
