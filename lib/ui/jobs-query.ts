/**
 * The job table's filter, sort and page, kept in the URL (so a view can be shared and the server
 * component can load the first page) and translated 1:1 into the `GET /api/fleet/jobs` query.
 * Filtering, sorting and paging all happen on the server: the table never holds more than a page.
 */
import { JOB_SORT_KEYS, JOB_TRACKER_FILTERS, type JobSortKey, type JobTrackerFilter } from "../api/jobs";
import { STAGES, type Stage } from "../types";

/** The orders `GET /jobs` implements (lib/api/jobs.ts): a URL naming any other falls back to the default. */
export const SORTABLE = JOB_SORT_KEYS;
export type SortKey = JobSortKey;

export interface JobsQuery {
  stage?: Stage;
  product?: string;
  profile?: string;
  factory?: string;
  q?: string;
  /** github / linear / any / none: where the job came from (its tracker-item) */
  tracker?: JobTrackerFilter;
  /** part of the tracker item id */
  item?: string;
  sort: SortKey;
  order: "asc" | "desc";
  cursor?: string;
  limit: number;
}

export const DEFAULT_QUERY: JobsQuery = { sort: "createdAt", order: "desc", limit: 50 };

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function get(params: Params, key: string): string | undefined {
  const v = params instanceof URLSearchParams ? (params.get(key) ?? undefined) : params[key];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined || one.trim() === "" ? undefined : one.trim();
}

/** Reads a query from page search params; anything malformed falls back to the default. */
export function parseJobsQuery(params: Params): JobsQuery {
  const stage = get(params, "stage");
  const sort = get(params, "sort");
  const order = get(params, "order");
  const limit = Number(get(params, "limit"));
  const tracker = get(params, "tracker");
  return {
    stage: stage && (STAGES as readonly string[]).includes(stage) ? (stage as Stage) : undefined,
    product: get(params, "product"),
    profile: get(params, "profile"),
    factory: get(params, "factory"),
    q: get(params, "q"),
    tracker: tracker && (JOB_TRACKER_FILTERS as readonly string[]).includes(tracker) ? (tracker as JobTrackerFilter) : undefined,
    item: get(params, "item"),
    sort: sort && (SORTABLE as readonly string[]).includes(sort) ? (sort as SortKey) : DEFAULT_QUERY.sort,
    order: order === "asc" || order === "desc" ? order : DEFAULT_QUERY.order,
    cursor: get(params, "cursor"),
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : DEFAULT_QUERY.limit,
  };
}

/** The query string (without `?`), omitting defaults so URLs stay short. */
export function jobsQueryString(query: JobsQuery, { includeDefaults = false } = {}): string {
  const out = new URLSearchParams();
  for (const key of ["stage", "product", "profile", "factory", "q", "tracker", "item"] as const) {
    const v = query[key];
    if (v) out.set(key, v);
  }
  if (includeDefaults || query.sort !== DEFAULT_QUERY.sort) out.set("sort", query.sort);
  // A chosen sort always names its order: "sort=title" alone would read as descending, which nobody guesses.
  if (includeDefaults || query.sort !== DEFAULT_QUERY.sort || query.order !== DEFAULT_QUERY.order) out.set("order", query.order);
  if (includeDefaults || query.limit !== DEFAULT_QUERY.limit) out.set("limit", String(query.limit));
  if (query.cursor) out.set("cursor", query.cursor);
  return out.toString();
}

/** A filter change starts again from the first page: a cursor belongs to one filter and sort. */
export function withFilter(query: JobsQuery, change: Partial<Omit<JobsQuery, "cursor">>): JobsQuery {
  return { ...query, ...change, cursor: undefined };
}

/** Clicking a column header: the same column flips the order; another column starts descending. */
export function toggleSort(query: JobsQuery, key: SortKey): JobsQuery {
  if (query.sort === key) return withFilter(query, { order: query.order === "asc" ? "desc" : "asc" });
  return withFilter(query, { sort: key, order: key === "title" ? "asc" : "desc" });
}
