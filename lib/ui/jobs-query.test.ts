import { describe, expect, it } from "vitest";
import { DEFAULT_QUERY, jobsQueryString, parseJobsQuery, toggleSort, withFilter } from "./jobs-query";

describe("jobs query", () => {
  it("round-trips through the URL", () => {
    const q = { ...DEFAULT_QUERY, stage: "failed" as const, q: "fix login", sort: "priority" as const, cursor: "abc" };
    expect(parseJobsQuery(new URLSearchParams(jobsQueryString(q)))).toEqual({ ...q, product: undefined, profile: undefined, factory: undefined });
  });
  it("drops malformed values instead of passing them to the server", () => {
    const q = parseJobsQuery({ stage: "nonsense", sort: "DROP TABLE", order: "sideways", limit: "100000", q: "  " });
    expect(q).toEqual(DEFAULT_QUERY);
  });
  it("omits defaults unless asked", () => {
    expect(jobsQueryString(DEFAULT_QUERY)).toBe("");
    expect(jobsQueryString(DEFAULT_QUERY, { includeDefaults: true })).toBe("sort=createdAt&order=desc&limit=50");
    expect(jobsQueryString({ ...DEFAULT_QUERY, sort: "title", order: "desc" })).toBe("sort=title&order=desc");
  });
  it("keeps to the orders the API implements", () => {
    // `cost` was sortable in an early draft; the API refuses it (400), so an old link falls back.
    expect(parseJobsQuery({ sort: "cost" }).sort).toBe("createdAt");
    expect(parseJobsQuery({ sort: "updatedAt", order: "asc" })).toMatchObject({ sort: "updatedAt", order: "asc" });
  });
  it("keeps the tracker filter and item text in the URL; an unknown tracker falls back to all", () => {
    const q = { ...DEFAULT_QUERY, tracker: "linear" as const, item: "ENG-4" };
    expect(jobsQueryString(q)).toBe("tracker=linear&item=ENG-4");
    expect(parseJobsQuery(new URLSearchParams(jobsQueryString(q)))).toMatchObject({ tracker: "linear", item: "ENG-4" });
    expect(parseJobsQuery({ tracker: "jira" }).tracker).toBeUndefined();
    expect(parseJobsQuery({ tracker: "none" }).tracker).toBe("none");
  });
  it("accepts Next's array-valued search params", () => {
    expect(parseJobsQuery({ product: ["web", "api"] }).product).toBe("web");
  });
  it("resets the cursor when the filter or sort changes", () => {
    const paged = { ...DEFAULT_QUERY, cursor: "c2" };
    expect(withFilter(paged, { stage: "queued" }).cursor).toBeUndefined();
    expect(toggleSort(paged, "createdAt")).toMatchObject({ order: "asc", cursor: undefined });
    expect(toggleSort(paged, "title")).toMatchObject({ sort: "title", order: "asc" });
    expect(toggleSort(paged, "priority")).toMatchObject({ sort: "priority", order: "desc" });
  });
});
