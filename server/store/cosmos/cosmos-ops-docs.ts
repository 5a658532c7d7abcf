import "server-only";
import type { Container, JSONValue } from "@azure/cosmos";
import type { AlertStateRecord, DeliveryRecord } from "../ops-records";
import { LOST, writeIfUnchanged } from "./cas";
import { isNotFound, isPreconditionFailed, mapCosmosError } from "./cosmos-errors";
import { strip } from "./documents";

/**
 * The operations documents (alert episodes, the alert outbox) on Cosmos: one container partitioned
 * by `/x_kind`, so each list is a single-partition query. A create is a create (409: it exists); a
 * replace or delete reads the document, compares our `version`, and writes with If-Match on its
 * etag (412: another instance wrote first). `x_due` indexes the pending deliveries.
 */
type Doc = { id: string; x_kind: string; version: number; x_due?: number | null; createdAt?: number; openedAt?: number } & Record<string, unknown>;

export class CosmosOpsDocs {
  constructor(private readonly c: Container) {}

  private async query<T>(kind: string, query: string, parameters: { name: string; value: JSONValue }[] = []): Promise<T[]> {
    try {
      const { resources } = await this.c.items
        .query<Doc>({ query, parameters: [{ name: "@kind", value: kind }, ...parameters] }, { partitionKey: kind })
        .fetchAll();
      return resources.map((r) => strip<T>(r));
    } catch (e) {
      throw mapCosmosError(e);
    }
  }

  listAlertStates(): Promise<AlertStateRecord[]> {
    return this.query<AlertStateRecord>("alert", "SELECT * FROM c WHERE c.x_kind = @kind ORDER BY c.id");
  }

  saveAlertState(state: AlertStateRecord, expectedVersion: number | null): Promise<boolean> {
    return this.save("alert", state, null, expectedVersion);
  }

  async deleteAlertState(id: string, expectedVersion: number): Promise<boolean> {
    const cur = await this.read("alert", id);
    if (!cur || cur.doc.version !== expectedVersion) return false;
    try {
      await this.c.item(id, "alert").delete({ accessCondition: { type: "IfMatch", condition: cur.etag } });
      return true;
    } catch (e) {
      if (isPreconditionFailed(e) || isNotFound(e)) return false;
      throw mapCosmosError(e);
    }
  }

  async enqueueDeliveries(deliveries: DeliveryRecord[]): Promise<void> {
    for (const d of deliveries) await this.save("delivery", d, d.nextAttemptAt ?? null, null);
  }

  listDeliveries(q: { dueBy?: number; limit: number }): Promise<DeliveryRecord[]> {
    if (q.dueBy !== undefined) {
      return this.query<DeliveryRecord>(
        "delivery",
        "SELECT TOP @n * FROM c WHERE c.x_kind = @kind AND IS_NUMBER(c.x_due) AND c.x_due <= @due ORDER BY c.x_due",
        [
          { name: "@n", value: q.limit },
          { name: "@due", value: q.dueBy },
        ],
      );
    }
    return this.query<DeliveryRecord>("delivery", "SELECT TOP @n * FROM c WHERE c.x_kind = @kind ORDER BY c.createdAt DESC", [{ name: "@n", value: q.limit }]);
  }

  saveDelivery(d: DeliveryRecord, expectedVersion: number): Promise<boolean> {
    return this.save("delivery", d, d.nextAttemptAt ?? null, expectedVersion);
  }

  private async read(kind: string, id: string): Promise<{ doc: Doc; etag: string } | undefined> {
    try {
      const { resource, etag } = await this.c.item(id, kind).read<Doc>();
      return resource ? { doc: resource, etag } : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw mapCosmosError(e);
    }
  }

  private async save(kind: string, rec: { id: string; version: number }, due: number | null, expected: number | null): Promise<boolean> {
    if (expected === null) return (await writeIfUnchanged(this.c, { ...rec, x_kind: kind, version: 1, x_due: due }, kind, undefined)) !== LOST;
    const cur = await this.read(kind, rec.id);
    if (!cur || cur.doc.version !== expected) return false;
    return (await writeIfUnchanged(this.c, { ...rec, x_kind: kind, version: expected + 1, x_due: due }, kind, cur.etag)) !== LOST;
  }
}
