import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../harness/app";
import { call, submitJob } from "../harness/factory";

/** `GET /jobs` sorting and paging over real HTTP against the built app (the store contract checks every order on both providers). */
let app: StartedApp;
let api: string;

beforeAll(async () => {
  app = await startApp();
  api = `${app.url}/api/fleet`;
  const jobs: [string, string][] = [["delta", "low"], ["Alpha", "high"], ["charlie", "critical"], ["bravo", "medium"], ["echo", "high"]];
  for (const [title, priority] of jobs) await submitJob(app.url, app.adminToken, `---\nengine: shell\npriority: ${priority}\n---\n# ${title}\n\nDo it.\n`);
});
afterAll(async () => {
  await app?.stop();
});

async function allPages(query: string): Promise<string[]> {
  const titles: string[] = [];
  let cursor: string | undefined;
  do {
    const r = await call(`${api}/jobs?${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: app.adminToken });
    expect(r.status).toBe(200);
    titles.push(...(r.body.items as { title: string }[]).map((j) => j.title));
    cursor = r.body.nextCursor;
  } while (cursor);
  return titles;
}

describe("GET /jobs sort and order", () => {
  it("pages every job once in the asked order", async () => {
    expect(await allPages("sort=title&order=asc")).toEqual(["Alpha", "bravo", "charlie", "delta", "echo"]);
    expect(await allPages("sort=title&order=desc")).toEqual(["echo", "delta", "charlie", "bravo", "Alpha"]);
    // most urgent first; within a priority newest first
    expect(await allPages("sort=priority&order=desc")).toEqual(["charlie", "echo", "Alpha", "bravo", "delta"]);
    expect(await allPages("sort=createdAt&order=asc")).toEqual(["delta", "Alpha", "charlie", "bravo", "echo"]);
    expect(await allPages("sort=createdAt")).toEqual(["echo", "bravo", "charlie", "Alpha", "delta"]);
  });

  it("refuses an unknown sort or order, and a cursor of another sort, naming the field", async () => {
    const bad = await call(`${api}/jobs?sort=cost`, { token: app.adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: "sort" })]);
    expect((await call(`${api}/jobs?order=up`, { token: app.adminToken })).body.errors).toEqual([expect.objectContaining({ path: "order" })]);
    const first = await call(`${api}/jobs?sort=title&order=asc&limit=2`, { token: app.adminToken });
    const other = await call(`${api}/jobs?sort=priority&order=asc&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: app.adminToken });
    expect(other.status).toBe(400);
    expect(other.body.errors).toEqual([expect.objectContaining({ path: "cursor" })]);
    expect((await call(`${api}/jobs?cursor=garbage`, { token: app.adminToken })).status).toBe(400);
  });

  it("documents sort and order in the OpenAPI document", async () => {
    const doc = (await call(`${api}/openapi.json`)).body;
    const names = (doc.paths["/api/fleet/jobs"].get.parameters as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["sort", "order", "cursor", "limit", "stage"]));
  });
});
