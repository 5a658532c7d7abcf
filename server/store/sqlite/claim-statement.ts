import "server-only";
import type Database from "better-sqlite3";

/**
 * The claim as ONE SQL statement: `UPDATE … WHERE <still claimable> … RETURNING doc`. It is the SQL
 * form of job-rules `planClaim` (same conditions, same resulting document; the contract suite and the
 * model test hold both providers to the same outcome) and it is atomic on its own: SQLite takes the
 * write lock for the statement, so the WHERE (stage, lease, backoff, version, lock) is evaluated and
 * the row written with no other writer in between, on any connection or process. No JSON is parsed
 * or built in JavaScript before the write, which is what brings a claim near a raw UPDATE.
 *
 * Variants are prepared lazily: optional decision / profile / expectedVersion / versions change the SQL.
 */
export interface ClaimParams {
  id: string;
  leaseId: string;
  factoryId: string;
  engine: string;
  now: number;
  expiresAt: number;
  decision?: string;
  profile?: string;
  expectedVersion?: number;
  /** the run's engine and tool versions, serialized (lease.versions) */
  versions?: string;
}

function claimSql(withDecision: boolean, withProfile: boolean, withVersion: boolean, withVersions: boolean): string {
  const extra = [
    withDecision ? `, '$.decision', json(@decision)` : "",
    withProfile ? `, '$.profile', json(@profile)` : "",
  ].join("");
  return `UPDATE jobs SET stage = 'assigned', not_before = 0, lease_id = @leaseId, lease_expires_at = @expiresAt,
      factory_id = @factoryId, version = version + 1,
      doc = json_set(json_remove(doc, '$.notBefore', '$.pendingReason'),
        '$.stage', 'assigned',
        '$.epoch', json_extract(doc, '$.epoch') + 1,
        '$.lease', json_object('id', @leaseId, 'epoch', json_extract(doc, '$.epoch') + 1, 'factoryId', @factoryId,
                               'engine', @engine, 'grantedAt', @now, 'expiresAt', @expiresAt${withVersions ? ", 'versions', json(@versions)" : ""}),
        '$.updatedAt', @now,
        '$.version', version + 1${extra})
    WHERE id = @id AND stage = 'queued' AND lease_id IS NULL AND not_before <= @now
      ${withVersion ? "AND version = @expectedVersion" : ""}
      AND (lock IS NULL OR NOT EXISTS (
        SELECT 1 FROM jobs AS holder INDEXED BY jobs_lock_held
        WHERE holder.lock = jobs.lock AND holder.lease_id IS NOT NULL AND holder.id <> jobs.id))
    RETURNING doc`;
}

export function claimStatements(db: Database.Database): (p: ClaimParams) => string | undefined {
  const cache = new Map<number, Database.Statement>();
  return (p) => {
    const withDecision = p.decision !== undefined;
    const withProfile = p.profile !== undefined;
    const withVersion = p.expectedVersion !== undefined;
    const withVersions = p.versions !== undefined;
    const key = (withDecision ? 1 : 0) | (withProfile ? 2 : 0) | (withVersion ? 4 : 0) | (withVersions ? 8 : 0);
    let stmt = cache.get(key);
    if (!stmt) cache.set(key, (stmt = db.prepare(claimSql(withDecision, withProfile, withVersion, withVersions))));
    const params: Record<string, unknown> = {
      id: p.id,
      leaseId: p.leaseId,
      factoryId: p.factoryId,
      engine: p.engine,
      now: p.now,
      expiresAt: p.expiresAt,
    };
    if (withDecision) params.decision = p.decision;
    if (withProfile) params.profile = p.profile;
    if (withVersion) params.expectedVersion = p.expectedVersion;
    if (withVersions) params.versions = p.versions;
    return (stmt.get(params) as { doc: string } | undefined)?.doc;
  };
}
