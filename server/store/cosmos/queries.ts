import "server-only";
import type { SqlParameter } from "@azure/cosmos";
import type { JobFilter } from "../port";
import { decodeJobCursor, keysetCondition, orderColumns, type JobOrder } from "../rules/job-order";
import { decodeCursor } from "../shared";
import { ORDER_PATH, param } from "./documents";

/** The Cosmos SQL of the provider's paged reads (dialect only; the orders are rules/job-order.ts). */

export interface CosmosQuery {
  text: string;
  params: SqlParameter[];
}

/** One page of listJobs plus one row (to know whether a next page exists); undefined: nothing can match. */
export function listJobsQuery(filter: JobFilter, cursor: string | undefined, limit: number, order: JobOrder): CosmosQuery | undefined {
  const where: string[] = [];
  const params: SqlParameter[] = [];
  const add = (clause: string, name: string, value: unknown) => {
    where.push(clause);
    params.push(param(name, value));
  };
  if (filter.stage !== undefined) {
    const stages = Array.isArray(filter.stage) ? filter.stage : [filter.stage];
    if (stages.length === 0) return undefined;
    add("ARRAY_CONTAINS(@stages, c.stage)", "@stages", stages);
  }
  if (filter.productId !== undefined) add("c.productId = @product", "@product", filter.productId);
  if (filter.profile !== undefined) add("c.x_profile = @profile", "@profile", filter.profile);
  if (filter.factoryId !== undefined) add("c.x_factory = @factory", "@factory", filter.factoryId);
  if (filter.q !== undefined && filter.q !== "") add("CONTAINS(c.x_title, @q)", "@q", filter.q.toLowerCase());
  if (filter.dependsOn !== undefined) add("ARRAY_CONTAINS(c.deps, @dep)", "@dep", filter.dependsOn);
  if (filter.pullRequest !== undefined) {
    add("c.delivery.pr.number = @prNumber", "@prNumber", filter.pullRequest.number);
    add("LOWER(c.delivery.pr.owner) = @prOwner", "@prOwner", filter.pullRequest.owner.toLowerCase());
    add("LOWER(c.delivery.pr.repo) = @prRepo", "@prRepo", filter.pullRequest.repo.toLowerCase());
  }
  const item = `c.manifest["tracker-item"]`;
  switch (filter.tracker) {
    case undefined:
      break;
    case "none":
      where.push(`(NOT IS_DEFINED(${item}) OR IS_NULL(${item}))`);
      break;
    case "any":
      where.push(`IS_STRING(${item})`);
      break;
    default:
      add(`STARTSWITH(${item}, @trackerKind)`, "@trackerKind", `${filter.tracker}:`);
  }
  if (filter.trackerItem !== undefined && filter.trackerItem !== "") add(`CONTAINS(LOWER(${item}), @trackerItem)`, "@trackerItem", filter.trackerItem.toLowerCase());
  const cols = orderColumns(order);
  if (cursor !== undefined) {
    const values = decodeJobCursor(order, cursor);
    let n = 0;
    where.push(keysetCondition(cols, values, (c) => ORDER_PATH[c], (v) => {
      const name = `@k${n++}`;
      params.push(param(name, v));
      return name;
    }));
  }
  const top = Math.max(1, Math.floor(limit)) + 1;
  const orderBy = cols.map((c) => `${ORDER_PATH[c.col]} ${c.desc ? "DESC" : "ASC"}`).join(", ");
  return { text: `SELECT TOP ${top} * FROM c ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${orderBy}`, params };
}

/**
 * Fleet-wide events after a cursor, by (at, jobId, seq); without a cursor the latest `limit`,
 * `newestFirst` (the caller reverses them). Without the change feed there is no global sequence:
 * an event stored later with an `at` before the cursor (clock skew between app instances) is not
 * returned to a poller already past it.
 */
export function recentEventsQuery(afterCursor: string | undefined, limit: number): CosmosQuery & { newestFirst: boolean } {
  const top = Math.max(1, Math.floor(limit));
  if (afterCursor === undefined) {
    return { text: `SELECT TOP ${top} * FROM c ORDER BY c.at DESC, c.jobId DESC, c.seq DESC`, params: [], newestFirst: true };
  }
  const [at, jobId, seq] = decodeCursor(afterCursor) as [number, string, number];
  return {
    text: `SELECT TOP ${top} * FROM c WHERE c.at > @at OR (c.at = @at AND (c.jobId > @job OR (c.jobId = @job AND c.seq > @seq)))
       ORDER BY c.at ASC, c.jobId ASC, c.seq ASC`,
    params: [param("@at", at), param("@job", jobId), param("@seq", seq)],
    newestFirst: false,
  };
}
