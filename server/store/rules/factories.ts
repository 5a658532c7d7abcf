import "server-only";
import { StoreError } from "../errors";
import type { HeartbeatRequest, NewFactory, Store } from "../port";
import type { EpochMs, FactoryRecord, FactoryStatus } from "../records";
import { clean } from "./jobs";

/**
 * The rules of factory documents, as plans from (current record, request) to the next record. Each
 * provider applies them inside its own atomic write (SQLite: BEGIN IMMEDIATE; Cosmos: cas.ts).
 * Status machine: pending (held for approval; heartbeats keep it pending) → online on approval;
 * online ⇄ offline (a heartbeat brings an offline factory back), online/offline → draining,
 * anything → revoked, and revoked is final.
 */

export function newFactoryRecord(f: NewFactory): FactoryRecord {
  return clean({
    id: f.id,
    productId: f.productId,
    name: f.name,
    os: f.os,
    arch: f.arch,
    capabilities: f.capabilities,
    stations: f.stations,
    free: f.stations,
    load: 0,
    version: f.version,
    tokenHash: f.tokenHash,
    status: f.pending ? ("pending" as const) : ("online" as const),
    lastHeartbeatAt: f.now,
    running: [],
    warm: f.warm ?? [],
    costPerHour: f.costPerHour,
    registeredAt: f.now,
    updatedAt: f.now,
  });
}

/**
 * Factory names are unique fleet-wide among factories that are not revoked, compared without case:
 * a job's `prefers: factory:NAME` names one machine, so a second factory must not be able to take a
 * name the first one holds. A revoked factory gives its name up.
 */
export const factoryNameKey = (name: string) => name.trim().toLowerCase();
export const holdsName = (f: FactoryRecord) => f.status !== "revoked";
export const nameTaken = (name: string, holderId: string) =>
  new StoreError("conflict", `factory name ${name} is taken by ${holderId}`, { details: { reason: "name_taken", name, factoryId: holderId } });

export const factoryExists = (id: string) => new StoreError("conflict", `factory ${id} already exists`);
export const noFactory = (id: string) => new StoreError("not_found", `no factory ${id}`);

/** What the agent re-detected replaces what it had; an absent field keeps the stored value. */
export function planHeartbeat(f: FactoryRecord, hb: HeartbeatRequest): FactoryRecord {
  return {
    ...f,
    load: hb.load,
    free: hb.free,
    running: hb.running,
    capabilities: hb.capabilities ?? f.capabilities,
    warm: hb.warm ?? f.warm,
    costPerHour: hb.costPerHour ?? f.costPerHour,
    lastHeartbeatAt: hb.now,
    updatedAt: hb.now,
    status: f.status === "offline" ? "online" : f.status,
  };
}

export function planFactoryStatus(f: FactoryRecord, status: FactoryStatus, now: EpochMs): FactoryRecord {
  if (f.status === "revoked" && status !== "revoked") throw new StoreError("conflict", `factory ${f.id} is revoked`);
  // Held for approval: only approval (online) or revocation moves it; nothing else may skip the step.
  if (f.status === "pending" && status !== "online" && status !== "revoked" && status !== "pending") {
    throw new StoreError("conflict", `factory ${f.id} awaits approval`, { details: { reason: "pending" } });
  }
  return { ...f, status, updatedAt: now };
}

/** The port's factory updates, each a plan applied by the provider's conditional factory write. */
export function factoryWrites(
  update: (id: string, change: (f: FactoryRecord) => FactoryRecord) => FactoryRecord | Promise<FactoryRecord>,
): Pick<Store, "heartbeat" | "setFactoryStatus"> {
  return {
    heartbeat: async (factoryId, hb) => update(factoryId, (f) => planHeartbeat(f, hb)),
    setFactoryStatus: async (factoryId, status, now) => update(factoryId, (f) => planFactoryStatus(f, status, now)),
  };
}
