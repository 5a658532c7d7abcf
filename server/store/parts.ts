import "server-only";
import type { NewEnrollmentToken, Store } from "./port";
import type { EnrollmentTokenRecord, EpochMs } from "./records";
import type { AlertStateRecord, DeliveryRecord } from "./ops-records";
import type { TrackerSyncRecord } from "./tracker-records";
import type { WebhookDeliveryRecord, WebhookDeliveryStats } from "./webhook-records";

/**
 * A provider is its core (the job, factory, account and settings documents, written with its own
 * atomicity) plus shared parts: port methods whose rule is the same on both providers and is stated
 * once, here or in rules/ (`settingsWrites`, `factoryWrites`). op-counter.ts joins them into one
 * Store and refuses a provider that states a shared method again.
 */
export type Awaitable<T> = T | Promise<T>;

/** A provider's enrollment-token documents (sqlite/ and cosmos/ enrollment-tokens.ts). */
export interface EnrollmentDocs {
  create(t: NewEnrollmentToken): Awaitable<EnrollmentTokenRecord>;
  findByHash(tokenHash: string): Awaitable<EnrollmentTokenRecord | undefined>;
  list(): Awaitable<EnrollmentTokenRecord[]>;
  use(id: string, now: EpochMs): Awaitable<EnrollmentTokenRecord>;
  revoke(id: string, now: EpochMs): Awaitable<EnrollmentTokenRecord>;
}

/** A provider's operations documents: alert episodes and the alert outbox (ops-docs.ts). */
export interface OpsDocs {
  listAlertStates(): Awaitable<AlertStateRecord[]>;
  saveAlertState(state: AlertStateRecord, expectedVersion: number | null): Awaitable<boolean>;
  deleteAlertState(id: string, expectedVersion: number): Awaitable<boolean>;
  enqueueDeliveries(deliveries: DeliveryRecord[]): Awaitable<void>;
  listDeliveries(q: { dueBy?: EpochMs; limit: number }): Awaitable<DeliveryRecord[]>;
  saveDelivery(delivery: DeliveryRecord, expectedVersion: number): Awaitable<boolean>;
}

/** A provider's webhook delivery records (sqlite/ and cosmos/ webhook-deliveries.ts). */
export interface WebhookDocs {
  record(d: Omit<WebhookDeliveryRecord, "id">): Awaitable<boolean>;
  forget(id: string): Awaitable<void>;
  prune(before: EpochMs, limit: number): Awaitable<number>;
  stats(since: EpochMs): Awaitable<WebhookDeliveryStats[]>;
}

/** A provider's tracker write-back records (sqlite/ and cosmos/ tracker-sync-docs.ts; rules/tracker-sync.ts). */
export interface TrackerSyncDocs {
  get(id: string): Awaitable<TrackerSyncRecord | undefined>;
  save(rec: TrackerSyncRecord, expectedVersion: number | null): Awaitable<boolean>;
  listDue(dueBy: EpochMs, limit: number): Awaitable<TrackerSyncRecord[]>;
  countPending(): Awaitable<number>;
}

type EnrollmentMethods =
  | "createEnrollmentToken"
  | "findEnrollmentTokenByHash"
  | "listEnrollmentTokens"
  | "useEnrollmentToken"
  | "revokeEnrollmentToken";
type OpsMethods = keyof OpsDocs;
type WebhookMethods = "recordWebhookDelivery" | "forgetWebhookDelivery" | "pruneWebhookDeliveries" | "webhookDeliveryStats";
type TrackerSyncMethods = "getTrackerSync" | "saveTrackerSync" | "listTrackerSyncDue" | "countTrackerSyncPending";
type SettingsMethods = "setKillSwitch" | "setProductPaused" | "saveOperationsSettings";
type FactoryMethods = "heartbeat" | "setFactoryStatus";

/** The port methods a provider gets from the shared parts and must not write itself. */
export type SharedMethods = EnrollmentMethods | OpsMethods | WebhookMethods | TrackerSyncMethods | SettingsMethods | FactoryMethods;
export type SharedParts = Pick<Store, SharedMethods>;
/** What a provider class implements: everything else. */
export type ProviderCore = Omit<Store, "opCounts" | "resetOpCounts" | SharedMethods>;

// Every method is async so that a provider's synchronous throw (SQLite) still arrives as a rejection.
export function enrollmentPart(e: EnrollmentDocs): Pick<Store, EnrollmentMethods> {
  return {
    createEnrollmentToken: async (t) => e.create(t),
    findEnrollmentTokenByHash: async (tokenHash) => e.findByHash(tokenHash),
    listEnrollmentTokens: async () => e.list(),
    useEnrollmentToken: async (id, now) => e.use(id, now),
    revokeEnrollmentToken: async (id, now) => e.revoke(id, now),
  };
}

export function opsPart(o: OpsDocs): Pick<Store, OpsMethods> {
  return {
    listAlertStates: async () => o.listAlertStates(),
    saveAlertState: async (state, expectedVersion) => o.saveAlertState(state, expectedVersion),
    deleteAlertState: async (id, expectedVersion) => o.deleteAlertState(id, expectedVersion),
    enqueueDeliveries: async (deliveries) => o.enqueueDeliveries(deliveries),
    listDeliveries: async (q) => o.listDeliveries(q),
    saveDelivery: async (delivery, expectedVersion) => o.saveDelivery(delivery, expectedVersion),
  };
}

export function webhookPart(w: WebhookDocs): Pick<Store, WebhookMethods> {
  return {
    recordWebhookDelivery: async (d) => w.record(d),
    forgetWebhookDelivery: async (id) => w.forget(id),
    pruneWebhookDeliveries: async (before, limit) => w.prune(before, limit),
    webhookDeliveryStats: async (since) => w.stats(since),
  };
}

export function trackerSyncPart(t: TrackerSyncDocs): Pick<Store, TrackerSyncMethods> {
  return {
    getTrackerSync: async (id) => t.get(id),
    saveTrackerSync: async (rec, expectedVersion) => t.save(rec, expectedVersion),
    listTrackerSyncDue: async (dueBy, limit) => t.listDue(dueBy, limit),
    countTrackerSyncPending: async () => t.countPending(),
  };
}
