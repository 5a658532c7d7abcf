import "server-only";
import type { JobSortKey, SortOrder } from "@/lib/api/jobs";
import { StoreError } from "../errors";
import type { JobRecord } from "../records";
import { encodeCursor } from "../shared";
import { PRIORITY_RANK } from "./priority";

/**
 * The orders of listJobs, shared by both providers so they agree row for row. Each order is a list
 * of columns ending in `id` (unique, so keyset paging never skips or repeats a row); `asc` is the
 * exact reverse of `desc`, so one index (SQLite) or composite index (Cosmos) serves both.
 * The cursor is `[sort:order, …values of the last row]`: a cursor of another order would page from
 * a position that means nothing here, so it is refused (`invalid_cursor`).
 */
export interface JobOrder {
  by: JobSortKey;
  dir: SortOrder;
}
export const DEFAULT_JOB_ORDER: JobOrder = { by: "createdAt", dir: "desc" };

/** Provider-neutral column names; each provider maps them to a column or a document path. */
export type OrderColumnName = "createdAt" | "updatedAt" | "rank" | "stage" | "title" | "id";
export interface OrderColumn {
  col: OrderColumnName;
  desc: boolean;
}

/** The columns of each order in its `desc` form (`priority` desc = rank 0 = critical first). */
const DESC_FORM: Record<JobSortKey, OrderColumn[]> = {
  createdAt: [{ col: "createdAt", desc: true }, { col: "id", desc: true }],
  updatedAt: [{ col: "updatedAt", desc: true }, { col: "id", desc: true }],
  priority: [{ col: "rank", desc: false }, { col: "createdAt", desc: true }, { col: "id", desc: true }],
  stage: [{ col: "stage", desc: true }, { col: "createdAt", desc: true }, { col: "id", desc: true }],
  title: [{ col: "title", desc: true }, { col: "createdAt", desc: true }, { col: "id", desc: true }],
};

export function orderColumns(order: JobOrder): OrderColumn[] {
  const cols = DESC_FORM[order.by];
  return order.dir === "desc" ? cols : cols.map((c) => ({ col: c.col, desc: !c.desc }));
}

function valueOf(job: JobRecord, col: OrderColumnName): string | number {
  switch (col) {
    case "createdAt":
      return job.createdAt;
    case "updatedAt":
      return job.updatedAt;
    case "rank":
      return PRIORITY_RANK[job.priority];
    case "stage":
      return job.stage;
    case "title":
      return job.title.toLowerCase();
    case "id":
      return job.id;
  }
}

const tagOf = (order: JobOrder) => `${order.by}:${order.dir}`;

export function encodeJobCursor(order: JobOrder, last: JobRecord): string {
  return encodeCursor([tagOf(order), ...orderColumns(order).map((c) => valueOf(last, c.col))]);
}

/** The last row's values, checked against the order's columns; anything else is `invalid_cursor`. */
export function decodeJobCursor(order: JobOrder, cursor: string): (string | number)[] {
  const cols = orderColumns(order);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    raw = undefined;
  }
  if (!Array.isArray(raw)) throw new StoreError("invalid_cursor", "the cursor is malformed");
  // Cursors minted before orders existed: [createdAt, id] of the default order.
  const tagged = typeof raw[0] === "string" && raw.length === cols.length + 1 ? raw : raw.length === 2 && typeof raw[0] === "number" ? [tagOf(DEFAULT_JOB_ORDER), ...raw] : undefined;
  if (!tagged || tagged[0] !== tagOf(order)) {
    throw new StoreError("invalid_cursor", `the cursor belongs to another sort or order than ${tagOf(order)}; start from the first page`);
  }
  const values = tagged.slice(1) as unknown[];
  cols.forEach((c, i) => {
    const want = c.col === "createdAt" || c.col === "updatedAt" || c.col === "rank" ? "number" : "string";
    if (typeof values[i] !== want) throw new StoreError("invalid_cursor", "the cursor is malformed");
  });
  return values as (string | number)[];
}

/** A page from `limit + 1` rows in order: the extra row only says that a next page exists. */
export function pageOf(rows: JobRecord[], limit: number, order: JobOrder): { items: JobRecord[]; nextCursor?: string } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeJobCursor(order, last) } : { items };
}

/**
 * The keyset condition "after the cursor row" as SQL text, for any dialect: `expr` names a column,
 * `param` binds a value and returns its placeholder. For columns c1..cn (`<` where descending):
 *   c1 ≥ v1 AND (c1 > v1 OR (c1 = v1 AND c2 > v2) OR (c1 = v1 AND c2 = v2 AND c3 > v3) …)
 * Flat on purpose: the Cosmos test server's parser slows down exponentially with nested parentheses.
 * The leading `c1 ≥ v1` lets an index seek to the cursor instead of scanning from the first row.
 * Built left to right: positional placeholders (SQLite `?`) bind in the order they appear.
 */
export function keysetCondition(
  cols: OrderColumn[],
  values: (string | number)[],
  expr: (c: OrderColumnName) => string,
  param: (v: string | number) => string,
): string {
  const strict = (c: OrderColumn) => (c.desc ? "<" : ">");
  const first = cols[0]!;
  const seek = `${expr(first.col)} ${strict(first)}= ${param(values[0]!)}`;
  const branches = cols.map((c, i) => {
    const equal = cols.slice(0, i).map((p, j) => `${expr(p.col)} = ${param(values[j]!)}`);
    return `(${[...equal, `${expr(c.col)} ${strict(c)} ${param(values[i]!)}`].join(" AND ")})`;
  });
  return `(${seek} AND (${branches.join(" OR ")}))`;
}
