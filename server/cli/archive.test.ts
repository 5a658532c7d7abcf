import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCosmosForApps, type CosmosForApps } from "@/test/harness/cosmos";
import { newJob } from "@/server/store/contract/fixtures";
import { openStore, type Store, type StoreConfig } from "@/server/store";
import { parseBefore } from "./commands/archive";

/**
 * `fleet archive` and `fleet import-archive` as a person runs them: the real CLI (bin/fleet.mjs) in
 * a child process, opening the store from the control plane's variables, on SQLite and on the
 * Cosmos test server (trusted through NODE_EXTRA_CA_CERTS, as the app does). The job documents it
 * restores are byte-identical to the ones it exported.
 */
const root = path.resolve(__dirname, "../..");
const tmp = mkdtempSync(path.join(tmpdir(), "fleet-archive-cli-"));
let cosmos: CosmosForApps;
beforeAll(async () => {
  cosmos = await startCosmosForApps();
});
afterAll(async () => {
  await cosmos?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function fleet(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(root, "bin/fleet.mjs"), ...args], {
      cwd: tmp,
      timeout: 120_000,
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmp, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Two shipped jobs (one with two attempts) and one still running, through the store's own calls. */
async function populate(store: Store): Promise<{ terminal: string[]; running: string }> {
  const terminal: string[] = [];
  for (const attempts of [1, 2]) {
    const { job } = await store.submitJob(newJob({ now: 1_000, title: `ran ${attempts}×`, body: "ünïcødé \u001b[1mbody\u001b[0m\n" }));
    for (let epoch = 1; epoch <= attempts; epoch++) {
      const leaseId = `L-${job.id}-${epoch}`;
      const now = 2_000 * epoch;
      await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "shell", leaseId, ttlMs: 60_000, now });
      await store.appendLog(job.id, { leaseId, epoch, now }, [{ seq: 1, stream: "stdout", text: `attempt ${epoch}\n`, at: now }]);
      await store.appendEvents(job.id, [{ type: "run:note", at: now, data: { epoch, nested: { a: [1, 2, { b: null }] } } }]);
      const last = epoch === attempts;
      await store.completeAttempt({ leaseId, epoch, now: now + 1, result: { outcome: last ? "succeeded" : "failed", exitCode: last ? 0 : 1 }, next: { stage: last ? "review" : "queued", countAttempt: true } });
    }
    await store.transitionStage(job.id, { to: "shipped", now: 9_000, event: { type: "stage:changed", at: 9_000, data: { to: "shipped" } } });
    terminal.push(job.id);
  }
  const { job: running } = await store.submitJob(newJob({ now: 1_000 }));
  await store.claimJob({ jobId: running.id, factoryId: "f1", engine: "shell", leaseId: `L-${running.id}`, ttlMs: 60_000, now: 3_000 });
  return { terminal, running: running.id };
}

async function whole(store: Store, id: string): Promise<string> {
  return JSON.stringify([await store.getJob(id), await store.listRuns(id), await store.listLeases(id), await store.readEvents(id, 0, 1000), await store.readLog(id, 0, 1000)]);
}

type Where = { env: Record<string, string>; config: StoreConfig };

const providers: { name: string; at: (label: string) => Where }[] = [
  {
    name: "sqlite",
    at: (label) => {
      const dir = path.join(tmp, label);
      return { env: { FLEET_DATA_DIR: dir }, config: { kind: "sqlite", file: path.join(dir, "fleet.db") } };
    },
  },
  {
    name: "cosmos",
    at: (label) => {
      const database = `cli${label}${Math.random().toString(36).slice(2, 6)}`;
      return { env: cosmos.appEnv(database), config: { kind: "cosmos", endpoint: cosmos.endpoint, key: cosmos.key, database, allowSelfSigned: true } };
    },
  },
];

describe.each(providers)("fleet archive / import-archive on $name", ({ name, at }) => {
  it("round trip through the real CLI: byte-identical job documents; a non-empty store and an existing --out are refused", async () => {
    const from = at(`${name}-from`);
    const source = await openStore(from.config);
    const { terminal, running } = await populate(source);
    const out = path.join(tmp, `${name}.jsonl.gz`);

    const archived = await fleet(["archive", "--before", "1970-01-02", "--out", out], from.env);
    expect(archived.stderr).toMatch(/jobs terminal before 1970-01-02T00:00:00\.000Z from /);
    expect(archived).toMatchObject({ code: 0, stdout: `archived 2 job(s): 3 run(s), 5 event(s), 3 log chunk(s) to ${out}\n` });
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.includes(".partial-"))).toEqual([]);

    const to = at(`${name}-to`);
    const restored = await fleet(["import-archive", out], to.env);
    expect(restored.stderr).toMatch(/checked 2 job\(s\): 3 run\(s\), 5 event\(s\), 3 log chunk\(s\) \(every line valid\)/);
    expect(restored).toMatchObject({ code: 0, stdout: `restored 2 job(s): 3 run(s), 5 event(s), 3 log chunk(s) from ${out}\n` });
    const target = await openStore(to.config);
    try {
      for (const id of terminal) expect(await whole(target, id), id).toBe(await whole(source, id));
      expect(await target.getJob(running)).toBeUndefined();

      const again = await fleet(["import-archive", out], to.env);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/the store already has jobs: import-archive restores into an empty store only/);
      const overwrite = await fleet(["archive", "--before", "1970-01-02", "--out", out], from.env);
      expect(overwrite.code).toBe(1);
      expect(overwrite.stderr).toMatch(/--out: .* exists; an archive never overwrites a file/);
    } finally {
      await target.close();
      await source.close();
    }
  }, 240_000);
});

describe("fleet archive / import-archive refuse bad command lines and files", () => {
  const env = { FLEET_DATA_DIR: path.join(tmp, "nothing-here") };
  it("usage errors name the option (exit 2)", async () => {
    const bad = await fleet(["archive", "--before", "yesterday", "--out", "x.jsonl.gz"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--before: "yesterday" is not a date/);
    const missing = await fleet(["archive", "--out", "x.jsonl.gz"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--before DATE is required/);
    const unknown = await fleet(["archive", "--before", "2026-01-01", "--out", "x.gz", "--force"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--force'/);
    const two = await fleet(["import-archive", "a.gz", "b.gz"], env);
    expect(two.code).toBe(2);
  }, 240_000);

  it("archive needs an existing store; import-archive names the line and field of a bad archive and writes nothing", async () => {
    const none = await fleet(["archive", "--before", "2026-01-01", "--out", "x.jsonl.gz"], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no store at .*nothing-here\/fleet\.db: set FLEET_DATA_DIR/);
    expect(existsSync(path.join(tmp, "x.jsonl.gz"))).toBe(false);
    const { gzipSync } = await import("node:zlib");
    const bad = path.join(tmp, "bad.jsonl.gz");
    writeFileSync(bad, gzipSync('{"kind":"fleet-archive","format":1,"createdAt":"2026-01-01T00:00:00.000Z","before":"2026-01-01T00:00:00.000Z","source":"sqlite"}\n{"kind":"end","jobs":"two","runs":0,"events":0,"logs":0}\n'));
    const dir = path.join(tmp, "fresh");
    const r = await fleet(["import-archive", bad], { FLEET_DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2: jobs: /);
    expect(r.stderr).toMatch(/nothing was written/);
    const store = await openStore({ kind: "sqlite", file: path.join(dir, "fleet.db") });
    expect(await store.countJobsByStage()).toEqual({});
    await store.close();
  }, 120_000);

  it("--before reads a day or an ISO time with its zone, and nothing else", () => {
    expect(parseBefore("2026-11-30")).toBe(Date.UTC(2026, 10, 30));
    expect(parseBefore("2026-11-30T12:30:00Z")).toBe(Date.UTC(2026, 10, 30, 12, 30));
    expect(parseBefore("2026-11-30T12:30+02:00")).toBe(Date.UTC(2026, 10, 30, 10, 30));
    for (const bad of ["2026-02-30", "2026-13-01", "2026-11-30T24:00Z", "2026-11-30T12:00", "30/11/2026", "1e12", "", "2026-11-30 12:00Z"]) {
      expect(typeof parseBefore(bad), bad).toBe("string");
    }
  });
});
