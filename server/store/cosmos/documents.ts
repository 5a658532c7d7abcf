import "server-only";
import type { Container, JSONValue, SqlParameter } from "@azure/cosmos";
import type { EventRecord, JobRecord } from "../records";
import type { OrderColumnName } from "../rules/job-order";
import { PRIORITY_RANK } from "../rules/priority";
import { mapCosmosError } from "./cosmos-errors";

/**
 * The document dialect of the Cosmos provider: how a record becomes a document (index-only `x_`
 * fields beside it) and back, and the two reads every method builds on.
 */

export type Sys = { _etag?: string; _rid?: string; _self?: string; _ts?: number; _attachments?: string };

/** Removes Cosmos system fields and our index-only `x_` fields (and `id` where the record has none). */
export function strip<T>(doc: object, dropId = false): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith("_") || k.startsWith("x_") || (dropId && k === "id")) continue;
    out[k] = v;
  }
  return out as T;
}

/** A job document: the record, its event outbox (event-outbox.ts) and the fields its queries index. */
export function jobDoc(job: JobRecord, seq: number | undefined, outbox: EventRecord[]) {
  return {
    ...job,
    x_seq: seq,
    x_events: outbox,
    x_rank: PRIORITY_RANK[job.priority],
    x_title: job.title.toLowerCase(),
    x_leased: job.lease !== undefined,
    x_notBefore: job.notBefore ?? 0,
    x_factory: job.lease?.factoryId ?? null,
    x_profile: job.manifest.profile ?? null,
  };
}

/** listJobs order columns → document paths (x_rank and x_title are written by jobDoc). */
export const ORDER_PATH: Record<OrderColumnName, string> = {
  createdAt: "c.createdAt",
  updatedAt: "c.updatedAt",
  rank: "c.x_rank",
  stage: "c.stage",
  title: "c.x_title",
  id: "c.id",
};

export const param = (name: string, value: unknown): SqlParameter => ({ name, value: value as JSONValue });

/**
 * With `partitionKey`, the query must also filter on it (as `@pk`): the test server ignores the
 * partitionKey option and would otherwise answer from every partition.
 */
export async function query<T>(container: Container, text: string, parameters: SqlParameter[] = [], partitionKey?: string): Promise<T[]> {
  try {
    const { resources } = await container.items
      .query<T>(
        { query: text, parameters: partitionKey !== undefined ? [...parameters, param("@pk", partitionKey)] : parameters },
        partitionKey !== undefined ? { partitionKey } : {},
      )
      .fetchAll();
    return resources;
  } catch (e) {
    throw mapCosmosError(e);
  }
}

/** A point read with the etag to write against; undefined when the document does not exist. */
export async function read<T>(container: Container, id: string, pk: string): Promise<{ doc: T & Sys; etag: string } | undefined> {
  try {
    const { resource, etag } = await container.item(id, pk).read<T & Sys>();
    return resource ? { doc: resource, etag } : undefined;
  } catch (e) {
    throw mapCosmosError(e);
  }
}
