import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "./migrations";
import { openSqliteStore } from "./sqlite-store";

describe("sqlite migrations", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-migrate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("creates the file on first use and records every version once", async () => {
    const file = path.join(dir, "nested", "fleet.db");
    await openSqliteStore({ file }).close();
    await openSqliteStore({ file }).close(); // a second open migrates nothing
    const db = new Database(file);
    expect(db.prepare("SELECT version FROM schema_migrations ORDER BY version").all()).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }, { version: 6 }]);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("moves a version-1 file's lease history into runs and drops the open run rows", async () => {
    const file = path.join(dir, "v1.db");
    const db = new Database(file);
    migrate(db, 1);
    const lease = (id: string, state: string) => JSON.stringify({ id, jobId: "j1", productId: "p", epoch: id === "L1" ? 1 : 2, state });
    db.prepare("INSERT INTO runs (id, job_id, product_id, attempt, doc) VALUES ('L1', 'j1', 'p', 1, '{\"id\":\"L1\"}'), ('L2', 'j1', 'p', 2, '{\"id\":\"L2\"}')").run();
    db.prepare("INSERT INTO leases (id, job_id, epoch, doc) VALUES ('L1', 'j1', 1, ?), ('L2', 'j1', 2, ?)").run(lease("L1", "expired"), lease("L2", "active"));
    db.prepare(
      "INSERT INTO jobs (id, product_id, stage, prio, created_at, title_lower, version, lease_id, doc) VALUES ('j1', 'p', 'assigned', 2, 1, 't', 3, 'L2', '{}')",
    ).run();
    migrate(db);
    expect(db.prepare("SELECT id, lease_doc FROM runs").all()).toEqual([{ id: "L1", lease_doc: lease("L1", "expired") }]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('leases', 'jobs_by_expiry')").all()).toEqual([]);
    db.close();
  });
});
