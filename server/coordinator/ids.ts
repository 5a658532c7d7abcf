import "server-only";
import { randomBytes } from "node:crypto";
import { FleetError } from "@/server/errors";

/**
 * Ids the coordinator mints. A lease id names its factory and job (`L.<factoryId>.<jobId>.<nonce>`):
 * the lease routes learn the job without a lookup, and the object-level check "this lease belongs to
 * the calling factory" needs no read. It cannot be forged into a foreign lease: the store compares the
 * whole id with the job's current lease, which only the claim that minted it knows.
 */
const rand = (bytes: number) => randomBytes(bytes).toString("hex");

export const newJobId = () => `j-${rand(12)}`;
export const newFactoryId = () => `f-${rand(8)}`;
export const newApiTokenId = () => `t-${rand(8)}`;
export const newLeaseId = (factoryId: string, jobId: string) => `L.${factoryId}.${jobId}.${rand(6)}`;

export function parseLeaseId(leaseId: string): { factoryId: string; jobId: string } {
  const m = /^L\.(f-[0-9a-f]+)\.([a-z]-[0-9a-f]+)\.[0-9a-f]+$/.exec(leaseId);
  if (!m) throw new FleetError("not_found", "no such lease");
  return { factoryId: m[1]!, jobId: m[2]! };
}
