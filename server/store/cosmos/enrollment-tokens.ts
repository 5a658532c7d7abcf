import "server-only";
import type { Container } from "@azure/cosmos";
import type { NewEnrollmentToken } from "../port";
import type { EnrollmentTokenRecord, EpochMs } from "../records";
import { enrollmentTokenExists, newEnrollmentTokenRecord, planEnrollmentRevoke, planEnrollmentUse } from "../rules/enrollment";
import { LOST, withCas, writeIfUnchanged } from "./cas";
import { param, query, read, strip, type Sys } from "./documents";

/**
 * Stored enrollment tokens on Cosmos (rules/enrollment.ts), one document each in their own container
 * (partition /id). A use is read → plan → replace If-Match (cas.ts): of racing uses for the last
 * registration one replace wins and the other re-reads a used-up token.
 */
export class CosmosEnrollmentTokens {
  constructor(private readonly c: Container) {}

  async create(t: NewEnrollmentToken): Promise<EnrollmentTokenRecord> {
    const rec = newEnrollmentTokenRecord(t);
    if (await this.findByHash(t.tokenHash)) throw enrollmentTokenExists(t.id);
    if ((await writeIfUnchanged(this.c, rec, rec.id, undefined)) === LOST) throw enrollmentTokenExists(t.id);
    return rec;
  }

  async findByHash(tokenHash: string): Promise<EnrollmentTokenRecord | undefined> {
    const [row] = await query<EnrollmentTokenRecord & Sys>(this.c, "SELECT * FROM c WHERE c.tokenHash = @h", [param("@h", tokenHash)]);
    return row ? strip<EnrollmentTokenRecord>(row) : undefined;
  }

  async list(): Promise<EnrollmentTokenRecord[]> {
    const rows = await query<EnrollmentTokenRecord & Sys>(this.c, "SELECT * FROM c");
    return rows.map((r) => strip<EnrollmentTokenRecord>(r)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  use(id: string, now: EpochMs): Promise<EnrollmentTokenRecord> {
    return withCas(`enrollment token ${id}`, async () => {
      const cur = await read<EnrollmentTokenRecord>(this.c, id, id);
      const next = planEnrollmentUse(cur && strip<EnrollmentTokenRecord>(cur.doc), id, now);
      return (await writeIfUnchanged(this.c, next, id, cur!.etag)) === LOST ? LOST : next;
    });
  }

  revoke(id: string, now: EpochMs): Promise<EnrollmentTokenRecord> {
    return withCas(`enrollment token ${id}`, async () => {
      const cur = await read<EnrollmentTokenRecord>(this.c, id, id);
      const t = cur && strip<EnrollmentTokenRecord>(cur.doc);
      const next = planEnrollmentRevoke(t, id, now);
      if (!next) return t!;
      return (await writeIfUnchanged(this.c, next, id, cur!.etag)) === LOST ? LOST : next;
    });
  }
}
