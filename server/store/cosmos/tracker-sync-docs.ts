import "server-only";
import type { Container } from "@azure/cosmos";
import type { TrackerSyncRecord } from "../tracker-records";
import { trackerSyncDue } from "../rules/tracker-sync";
import { LOST, writeIfUnchanged } from "./cas";
import { isNotFound, mapCosmosError } from "./cosmos-errors";
import { strip } from "./documents";

/**
 * Tracker write-back records on Cosmos, in the operations container (partition `/x_kind` =
 * `tracker_sync`, so the due list is one single-partition query on the `x_due` index). A create is
 * a create (409: it exists); a replace compares our `version` and writes with If-Match.
 */
const KIND = "tracker_sync";
type Doc = TrackerSyncRecord & { x_kind: string; x_due: number | null };

export class CosmosTrackerSyncDocs {
  constructor(private readonly c: Container) {}

  private async read(id: string): Promise<{ doc: Doc; etag: string } | undefined> {
    try {
      const { resource, etag } = await this.c.item(id, KIND).read<Doc>();
      return resource ? { doc: resource, etag } : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw mapCosmosError(e);
    }
  }

  async get(id: string): Promise<TrackerSyncRecord | undefined> {
    const cur = await this.read(id);
    return cur ? strip<TrackerSyncRecord>(cur.doc) : undefined;
  }

  async save(rec: TrackerSyncRecord, expected: number | null): Promise<boolean> {
    const x_due = trackerSyncDue(rec);
    if (expected === null) return (await writeIfUnchanged(this.c, { ...rec, version: 1, x_kind: KIND, x_due }, KIND, undefined)) !== LOST;
    const cur = await this.read(rec.id);
    if (!cur || cur.doc.version !== expected) return false;
    return (await writeIfUnchanged(this.c, { ...rec, version: expected + 1, x_kind: KIND, x_due }, KIND, cur.etag)) !== LOST;
  }

  private async query(query: string, parameters: { name: string; value: number }[]): Promise<Doc[]> {
    try {
      const { resources } = await this.c.items.query<Doc>({ query, parameters: [{ name: "@kind", value: KIND }, ...parameters] }, { partitionKey: KIND }).fetchAll();
      return resources;
    } catch (e) {
      throw mapCosmosError(e);
    }
  }

  async listDue(dueBy: number, limit: number): Promise<TrackerSyncRecord[]> {
    const docs = await this.query("SELECT TOP @n * FROM c WHERE c.x_kind = @kind AND IS_NUMBER(c.x_due) AND c.x_due <= @due ORDER BY c.x_due", [
      { name: "@n", value: limit },
      { name: "@due", value: dueBy },
    ]);
    return docs.map((d) => strip<TrackerSyncRecord>(d));
  }

  async countPending(): Promise<number> {
    // the test server has no aggregates: count in the app (the pending list is small by design)
    return (await this.query("SELECT c.id FROM c WHERE c.x_kind = @kind AND IS_NUMBER(c.x_due)", [])).length;
  }
}
