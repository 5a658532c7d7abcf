import "server-only";
import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../testing";
import { eventsContract } from "./events-contract";
import { newJob } from "./fixtures";
import { fleetContract } from "./fleet-contract";
import { jobsContract } from "./jobs-contract";
import { leasesContract } from "./leases-contract";
import { listingContract } from "./listing-contract";

/**
 * The behaviour every provider must show, run unchanged against SQLite and Cosmos
 * (sqlite.contract.test.ts, cosmos.contract.test.ts). Times are fixed numbers: the store never reads
 * the clock, so nothing here depends on how fast the machine is. One file a document kind: jobs,
 * leases, events and logs, listing, the fleet's other documents; the port's call counts here.
 */
export function storeContract(factory: StoreFactory): void {
  jobsContract(factory);
  leasesContract(factory);
  eventsContract(factory);
  listingContract(factory);
  fleetContract(factory);

  const { newStore } = factory;
  describe("opCounts", () => {
    it("counts every port call by kind", async () => {
      const store = await newStore();
      store.resetOpCounts();
      const { job } = await store.submitJob(newJob());
      await store.getJob(job.id);
      await store.getJob(job.id);
      expect(store.opCounts()).toEqual({ submitJob: 1, getJob: 2 });
      store.resetOpCounts();
      expect(store.opCounts()).toEqual({});
    });
  });
}
