import "server-only";
import type Database from "better-sqlite3";
import type { ClaimCandidateQuery, JobFilter } from "../port";
import { decodeJobCursor, keysetCondition, orderColumns, type JobOrder } from "../rules/job-order";
import { ORDER_COLUMN } from "./statements";

/**
 * The two job queries whose SQL depends on the request: the listJobs filter and keyset page, and the
 * claim candidates of some products. Each order has an index in its column order (migration 3), so
 * a page is an index range scan.
 */

/** The rows of one listJobs page plus one (pageOf tells whether there is a next page); null: nothing can match. */
export function listJobsRows(db: Database.Database, filter: JobFilter, cursor: string | undefined, limit: number, order: JobOrder): unknown[] | null {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    args.push(value);
  };
  if (filter.stage !== undefined) {
    const stages = Array.isArray(filter.stage) ? filter.stage : [filter.stage];
    if (stages.length === 0) return null;
    where.push(`stage IN (${stages.map(() => "?").join(",")})`);
    args.push(...stages);
  }
  if (filter.productId !== undefined) add("product_id = ?", filter.productId);
  if (filter.profile !== undefined) add("profile = ?", filter.profile);
  if (filter.factoryId !== undefined) add("factory_id = ?", filter.factoryId);
  if (filter.q !== undefined && filter.q !== "") add("instr(title_lower, ?) > 0", filter.q.toLowerCase());
  if (filter.dependsOn !== undefined) add("id IN (SELECT job_id FROM job_deps WHERE dep_id = ?)", filter.dependsOn);
  if (filter.pullRequest !== undefined) {
    // Owner and repo in any case, as the forge compares them; no index: the callers also filter by stage.
    const pr = filter.pullRequest;
    where.push("json_extract(doc, '$.delivery.pr.number') = ? AND lower(json_extract(doc, '$.delivery.pr.owner')) = ? AND lower(json_extract(doc, '$.delivery.pr.repo')) = ?");
    args.push(pr.number, pr.owner.toLowerCase(), pr.repo.toLowerCase());
  }
  // The manifest's tracker-item, read from the document: no index, the table's other filters narrow first.
  const item = `json_extract(doc, '$.manifest."tracker-item"')`;
  switch (filter.tracker) {
    case undefined:
      break;
    case "none":
      where.push(`${item} IS NULL`);
      break;
    case "any":
      where.push(`${item} IS NOT NULL`);
      break;
    default:
      add(`substr(${item}, 1, ?) = ?`, filter.tracker.length + 1);
      args.push(`${filter.tracker}:`);
  }
  if (filter.trackerItem !== undefined && filter.trackerItem !== "") add(`instr(lower(${item}), ?) > 0`, filter.trackerItem.toLowerCase());
  const cols = orderColumns(order);
  if (cursor !== undefined) {
    const values = decodeJobCursor(order, cursor);
    where.push(keysetCondition(cols, values, (c) => ORDER_COLUMN[c], (v) => (args.push(v), "?")));
  }
  const sql = `SELECT doc FROM jobs ${where.length ? "WHERE " + where.join(" AND ") : ""}
    ORDER BY ${cols.map((c) => `${ORDER_COLUMN[c.col]} ${c.desc ? "DESC" : "ASC"}`).join(", ")} LIMIT ?`;
  return db.prepare(sql).all(...args, limit + 1);
}

/** Claimable jobs of the given products, in claim order (the all-products query is a prepared statement). */
export function candidatesOfProducts(db: Database.Database, q: ClaimCandidateQuery & { productIds: string[] }): unknown[] {
  return db
    .prepare(
      `SELECT doc FROM jobs INDEXED BY jobs_claimable WHERE stage = 'queued' AND lease_id IS NULL AND not_before <= ?
       AND product_id IN (${q.productIds.map(() => "?").join(",")}) ORDER BY prio, created_at, id LIMIT ?`,
    )
    .all(q.now, ...q.productIds, q.limit);
}
