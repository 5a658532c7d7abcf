import "server-only";
import type { Container, Database, IndexingPolicy } from "@azure/cosmos";
import { isConflict } from "./cosmos-errors";

/**
 * The containers of the Cosmos provider and why each partition key:
 * - jobs, factories, profiles, counters by /productId: a product's queue is listed and claimed together,
 *   and a product is the unit of fairness;
 * - runs, leases, events, logs by /jobId: always read per job; per-job event `seq` is created by id
 *   inside one logical partition, so the 409 on a taken seq is exact;
 * - locks, tokens, enrollment (tokens), users, settings by /id: fleet-wide singletons looked up by name;
 * - webhooks (delivery records) by /id: each is created once by its key (a 409 is the replay).
 * Composite indexes back every multi-field ORDER BY (real Cosmos refuses such a query without one).
 */
export const CONTAINERS = {
  jobs: "fleet_jobs",
  runs: "fleet_runs",
  leases: "fleet_leases",
  factories: "fleet_factories",
  profiles: "fleet_profiles",
  events: "fleet_events",
  logs: "fleet_logs",
  locks: "fleet_locks",
  tokens: "fleet_tokens",
  enrollment: "fleet_enrollment_tokens",
  users: "fleet_users",
  settings: "fleet_settings",
  counters: "fleet_counters",
  ops: "fleet_ops",
  webhooks: "fleet_webhook_deliveries",
} as const;

export type ContainerName = keyof typeof CONTAINERS;

const PARTITION: { [K in ContainerName]: string } = {
  jobs: "/productId",
  runs: "/jobId",
  leases: "/jobId",
  factories: "/productId",
  profiles: "/productId",
  events: "/jobId",
  logs: "/jobId",
  locks: "/id",
  tokens: "/id",
  enrollment: "/id",
  users: "/id",
  settings: "/id",
  counters: "/productId",
  // alert episodes and the alert outbox (cosmos-ops-docs.ts): each kind is listed on its own
  ops: "/x_kind",
  webhooks: "/id",
};

const asc = (path: string) => ({ path, order: "ascending" as const });
const desc = (path: string) => ({ path, order: "descending" as const });

type IndexPath = { path: string; order: "ascending" | "descending" };
const both = (paths: IndexPath[]): IndexPath[][] => [paths, paths.map((p) => ({ path: p.path, order: p.order === "ascending" ? ("descending" as const) : ("ascending" as const) }))];

const INDEXING: Partial<{ [K in ContainerName]: IndexingPolicy }> = {
  jobs: {
    compositeIndexes: [
      [asc("/x_rank"), asc("/createdAt"), asc("/id")],
      [desc("/createdAt"), desc("/id")],
      // listJobs orders (job-order.ts), both directions of each: real Cosmos serves an exact reverse
      // from one index, the test server's query engine only the listed direction
      [asc("/createdAt"), asc("/id")],
      ...both([desc("/updatedAt"), desc("/id")]),
      ...both([asc("/x_rank"), desc("/createdAt"), desc("/id")]),
      ...both([desc("/stage"), desc("/createdAt"), desc("/id")]),
      ...both([desc("/x_title"), desc("/createdAt"), desc("/id")]),
    ],
  },
  events: { compositeIndexes: [[asc("/at"), asc("/jobId"), asc("/seq")], [desc("/at"), desc("/jobId"), desc("/seq")]] },
  logs: { compositeIndexes: [[asc("/pos"), asc("/id")]] },
  ops: { compositeIndexes: [[asc("/x_due"), asc("/id")], [desc("/createdAt"), desc("/id")]] },
};

export type Containers = { [K in ContainerName]: Container };

/**
 * The SDK's createIfNotExists is read, then create on 404: another app instance starting at the same
 * moment can create the database or container in between, and our create gets 409. Then it exists:
 * the second call reads it.
 */
export async function createIfMissing<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    if (isConflict(e)) return create();
    throw e;
  }
}

export async function ensureContainers(db: Database): Promise<Containers> {
  const entries = await Promise.all(
    (Object.keys(CONTAINERS) as ContainerName[]).map(async (name) => {
      const { container } = await createIfMissing(() =>
        db.containers.createIfNotExists({
          id: CONTAINERS[name],
          partitionKey: { paths: [PARTITION[name]] },
          ...(INDEXING[name] ? { indexingPolicy: INDEXING[name] } : {}),
        }),
      );
      return [name, container] as const;
    }),
  );
  return Object.fromEntries(entries) as Containers;
}
