import "server-only";
import { describe, expect, it } from "vitest";
import type { StoreFactory } from "../testing";
import { newJob } from "./fixtures";
import { expectCode, TTL } from "./support";

/** Listing jobs: cursors in every sort and order, and each filter (dependents, profile, tracker, pull request). */
export function listingContract({ newStore }: StoreFactory): void {
  describe("listing", () => {
    it("pages newest first with opaque cursors and filters", async () => {
      const store = await newStore();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { job } = await store.submitJob(newJob({ now: 100 + Math.floor(i / 2), title: i % 2 ? `Fix Login ${i}` : `Docs ${i}` }));
        ids.push(job.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listJobs({}, cursor, 3);
        seen.push(...page.items.map((j) => j.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen)).toEqual(new Set(ids));
      const created = await Promise.all(seen.map(async (id) => (await store.getJob(id))!.createdAt));
      expect([...created].sort((x, y) => y - x)).toEqual(created);
      const login = await store.listJobs({ q: "login" }, undefined, 10);
      expect(login.items.map((j) => j.title).sort()).toEqual(["Fix Login 1", "Fix Login 3", "Fix Login 5"]);
      await store.claimJob({ jobId: ids[0]!, factoryId: "fx", engine: "e", leaseId: "Lz", ttlMs: TTL, now: 200 });
      expect((await store.listJobs({ stage: "assigned" }, undefined, 10)).items.map((j) => j.id)).toEqual([ids[0]]);
      expect((await store.listJobs({ factoryId: "fx" }, undefined, 10)).items.map((j) => j.id)).toEqual([ids[0]]);
      expect((await store.listJobs({ productId: "p2" }, undefined, 10)).items).toEqual([]);
      expect(await store.countJobsByStage()).toEqual({ queued: 6, assigned: 1 });
    });

    it("pages in every sort and order: each job exactly once, in the order's sequence; a cursor of another order is refused", async () => {
      const store = await newStore();
      const prios = ["low", "critical", "medium", "high"] as const;
      const titles = ["beta", "Alpha", "alpha", "gamma", "Beta", "delta"];
      const ids: string[] = [];
      for (let i = 0; i < 13; i++) {
        // createdAt ties in pairs, titles repeat ignoring case, priorities cycle: every order needs its tie-breaks
        const { job } = await store.submitJob(newJob({ now: 100 + Math.floor(i / 2), title: `${titles[i % titles.length]}`, priority: prios[i % prios.length] }));
        ids.push(job.id);
      }
      // different stages and updatedAt values (with ties): claims at 300, a cancel at 400
      for (const id of [ids[2]!, ids[5]!, ids[9]!]) await store.claimJob({ jobId: id, factoryId: "f1", engine: "e", leaseId: `L-${id}`, ttlMs: TTL, now: 300 });
      await store.transitionStage(ids[7]!, { to: "cancelled", now: 400 });
      const all = await Promise.all(ids.map(async (id) => (await store.getJob(id))!));

      const RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;
      type Key = (string | number)[];
      const keyOf = (j: (typeof all)[number], by: string): Key => {
        switch (by) {
          case "createdAt":
            return [j.createdAt, j.id];
          case "updatedAt":
            return [j.updatedAt, j.id];
          case "priority": // desc = most urgent first, then newest
            return [-RANK[j.priority], j.createdAt, j.id];
          case "stage":
            return [j.stage, j.createdAt, j.id];
          default:
            return [j.title.toLowerCase(), j.createdAt, j.id];
        }
      };
      const cmp = (a: Key, b: Key) => {
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
        return 0;
      };
      for (const by of ["createdAt", "updatedAt", "priority", "stage", "title"] as const) {
        for (const dir of ["asc", "desc"] as const) {
          const want = [...all].sort((a, b) => (dir === "asc" ? 1 : -1) * cmp(keyOf(a, by), keyOf(b, by))).map((j) => j.id);
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.listJobs({}, cursor, 4, { by, dir });
            seen.push(...page.items.map((j) => j.id));
            cursor = page.nextCursor;
            pages += 1;
          } while (cursor && pages < 10);
          expect(seen, `${by} ${dir}`).toEqual(want);
          expect(pages).toBe(4);
        }
      }
      // a filter and an order together
      const queuedByTitle = await store.listJobs({ stage: "queued" }, undefined, 50, { by: "title", dir: "asc" });
      expect(queuedByTitle.items.map((j) => j.id)).toEqual(
        [...all].filter((j) => j.stage === "queued").sort((a, b) => cmp(keyOf(a, "title"), keyOf(b, "title"))).map((j) => j.id),
      );

      const byTitle = await store.listJobs({}, undefined, 4, { by: "title", dir: "asc" });
      await expectCode(store.listJobs({}, byTitle.nextCursor, 4, { by: "title", dir: "desc" }), "invalid_cursor");
      await expectCode(store.listJobs({}, byTitle.nextCursor, 4, { by: "createdAt", dir: "asc" }), "invalid_cursor");
      await expectCode(store.listJobs({}, byTitle.nextCursor, 4), "invalid_cursor");
      await expectCode(store.listJobs({}, "not-a-cursor", 4), "invalid_cursor");
      // the default order is createdAt desc, and its cursors page it
      const first = await store.listJobs({}, undefined, 4);
      expect((await store.listJobs({}, first.nextCursor, 4, { by: "createdAt", dir: "desc" })).items.length).toBe(4);
    });

    it("finds dependents and filters by profile", async () => {
      const store = await newStore();
      const { job: base } = await store.submitJob(newJob());
      const { job: dep } = await store.submitJob(newJob({ stage: "blocked", deps: [base.id], depKeys: ["base"] }));
      const { job: prof } = await store.submitJob(newJob({ manifest: { ...newJob().manifest, profile: "ios-dev" } }));
      expect((await store.listDependents(base.id)).map((j) => j.id)).toEqual([dep.id]);
      expect((await store.listJobs({ dependsOn: base.id }, undefined, 10)).items.map((j) => j.id)).toEqual([dep.id]);
      expect((await store.listJobs({ profile: "ios-dev" }, undefined, 10)).items.map((j) => j.id)).toEqual([prof.id]);
    });

    it("filters by tracker: the kind of the tracker-item, any, none, and a substring of the item id", async () => {
      const store = await newStore();
      const from = async (item?: string) => (await store.submitJob(newJob({ manifest: { ...newJob().manifest, ...(item ? { "tracker-item": item } : {}) } }))).job.id;
      const gh = await from("github:Acme/Shop#12");
      const gh2 = await from("github:acme/other#3");
      const lin = await from("linear:ENG-42");
      const plain = await from();
      const ids = async (f: Parameters<typeof store.listJobs>[0]) => (await store.listJobs(f, undefined, 10)).items.map((j) => j.id).sort();
      expect(await ids({ tracker: "github" })).toEqual([gh, gh2].sort());
      expect(await ids({ tracker: "linear" })).toEqual([lin]);
      expect(await ids({ tracker: "any" })).toEqual([gh, gh2, lin].sort());
      expect(await ids({ tracker: "none" })).toEqual([plain]);
      expect(await ids({ trackerItem: "shop#12" })).toEqual([gh]);
      expect(await ids({ trackerItem: "ACME/" })).toEqual([gh, gh2].sort());
      expect(await ids({ tracker: "linear", trackerItem: "acme" })).toEqual([]);
      expect(await ids({ tracker: "none", trackerItem: "eng" })).toEqual([]);
      // combines with the other filters and pages
      expect(await ids({ tracker: "github", stage: ["review"] })).toEqual([]);
      const first = await store.listJobs({ tracker: "any" }, undefined, 2);
      expect(first.items).toHaveLength(2);
      expect((await store.listJobs({ tracker: "any" }, first.nextCursor, 2)).items).toHaveLength(1);
    });

    it("finds the job holding a pull request (owner and repo in any case), and only it", async () => {
      const store = await newStore();
      const pr = (owner: string, repo: string, number: number) => ({
        forge: "github" as const, owner, repo, number, url: `https://github.com/${owner}/${repo}/pull/${number}`, state: "open" as const, draft: false,
        headSha: "a".repeat(40), mergeable: true, mergeableState: "clean", checks: "none" as const, review: "none" as const, refreshedAt: 1,
      });
      const withPr = async (p: ReturnType<typeof pr> | undefined) => {
        const { job } = await store.submitJob(newJob());
        return store.patchJob(job.id, { from: ["queued"], expectedVersion: job.version, now: 2, patch: { delivery: { mode: "pr", branch: `fleet/${job.id}`, ...(p ? { pr: p } : {}) } }, events: [] });
      };
      const mine = await withPr(pr("Acme", "Shop", 12));
      await withPr(pr("acme", "shop", 13));
      await withPr(pr("acme", "other", 12));
      await withPr(undefined);
      await store.submitJob(newJob());
      const found = async (owner: string, repo: string, number: number) => (await store.listJobs({ pullRequest: { owner, repo, number } }, undefined, 10)).items.map((j) => j.id);
      expect(await found("acme", "shop", 12)).toEqual([mine.id]);
      expect(await found("ACME", "SHOP", 12)).toEqual([mine.id]);
      expect(await found("acme", "shop", 14)).toEqual([]);
      expect((await store.listJobs({ pullRequest: { owner: "acme", repo: "shop", number: 12 }, stage: ["review"] }, undefined, 10)).items).toEqual([]);
    });
  });
}
