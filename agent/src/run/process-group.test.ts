import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { groupAlive, spawnInGroup, startedByUs } from "./process-group";

const FAKE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/fake-engine.mjs");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(cond()).toBe(true);
}

// win32: no POSIX process groups or signals; the agent kills the tree with taskkill there.
describe.skipIf(process.platform === "win32")("process groups", () => {
  it("terminate() leaves no orphan, even a grandchild of an engine that ignores SIGTERM", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-pg-"));
    dirs.push(dir);
    const pidfile = path.join(dir, "grandchild.pid");
    const p = spawnInGroup(process.execPath, [FAKE, `fake: grandchild ${pidfile}\nfake: ignore-term\nfake: print ready\nfake: sleep 60000`], {
      cwd: dir,
      env: process.env,
    });
    let out = "";
    p.child.stdout!.on("data", (d) => (out += d));
    await waitFor(() => out.includes("ready") && existsSync(pidfile));
    const grandchild = Number(readFileSync(pidfile, "utf8"));
    expect(alive(grandchild)).toBe(true);
    await p.terminate(200);
    const r = await p.done;
    expect(r.signal).toBe("SIGKILL"); // it ignored SIGTERM, so the grace ran out
    await waitFor(() => !alive(grandchild));
    expect(alive(p.pid)).toBe(false);
  });

  it("a normal exit also sweeps what the engine left running", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-pg-"));
    dirs.push(dir);
    const pidfile = path.join(dir, "gc.pid");
    const p = spawnInGroup(process.execPath, [FAKE, `fake: grandchild ${pidfile}\nfake: exit 3`], { cwd: dir, env: process.env });
    const r = await p.done;
    expect(r.code).toBe(3);
    const grandchild = Number(readFileSync(pidfile, "utf8"));
    await waitFor(() => !alive(grandchild));
  });

  it("stdin input reaches the process and a missing binary rejects", async () => {
    const p = spawnInGroup(process.execPath, [FAKE, "-"], { cwd: os.tmpdir(), env: process.env, stdin: "fake: print from-stdin\n" });
    let out = "";
    p.child.stdout!.on("data", (d) => (out += d));
    await p.done;
    expect(out).toBe("from-stdin\n");
    await expect(spawnInGroup("/nonexistent/engine", [], { cwd: os.tmpdir(), env: process.env }).done).rejects.toThrow(/ENOENT/);
  });
});

// A job under --isolation none can write the running-leases file: its pgid must not aim our kill.
describe.skipIf(process.platform !== "linux")("which process groups the agent may kill after a restart", () => {
  it("only a group whose leader carries that lease's FLEET_LEASE_ID; never pid 1, never our own", async () => {
    const p = spawnInGroup(process.execPath, [FAKE, "fake: print ready\nfake: sleep 60000"], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH, FLEET_LEASE_ID: "lease-A" } as unknown as NodeJS.ProcessEnv,
    });
    let out = "";
    p.child.stdout!.on("data", (d) => (out += d));
    await waitFor(() => out.includes("ready"));
    try {
      expect(startedByUs(p.pid, "lease-A")).toBe(true);
      expect(startedByUs(p.pid, "lease-B")).toBe(false);
      expect(startedByUs(1, "lease-A")).toBe(false);
      expect(startedByUs(process.pid, "lease-A")).toBe(false);
      expect(startedByUs(-1, "lease-A")).toBe(false);
      expect(groupAlive(1)).toBe(false);
      expect(groupAlive(0)).toBe(false);
    } finally {
      await p.terminate(200);
    }
    expect(alive(p.pid)).toBe(false);
  });
});
