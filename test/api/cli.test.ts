import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "@/server/cli/fleet";
import { freePort, startApp, type StartedApp } from "../harness/app";
import { jobFile, registerFactory } from "../harness/factory";

/** The `fleet` client commands against the built app, plus their error messages. */
let app: StartedApp;
let dir: string;

beforeAll(async () => {
  app = await startApp();
  dir = mkdtempSync(path.join(os.tmpdir(), "gf-cli-"));
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function fleet(args: string[], env: Record<string, string | undefined> = {}) {
  let out = "";
  let err = "";
  const io: CliIo = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    cwd: dir,
    env: { FLEET_SERVER: app.url, FLEET_TOKEN: app.adminToken, ...env },
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe("fleet client commands", () => {
  it("submit, ls, show, logs, ship, requeue, kill-switch", async () => {
    writeFileSync(path.join(dir, "job.md"), jobFile({ title: "from the cli" }));
    const submitted = await fleet(["submit", "job.md"]);
    expect(submitted.code).toBe(0);
    const [id, stage] = submitted.out.trim().split(" ");
    expect(stage).toBe("queued");
    expect((await fleet(["ls"])).out).toContain(id!);
    expect(JSON.parse((await fleet(["show", id!])).out).title).toBe("from the cli");

    const f = await registerFactory(app.url, app.enrollmentToken);
    const { body } = await f.claim({ waitMs: 2000 });
    await f.events(body.lease.id, body.lease.epoch, [{ seq: 1, type: "log", stream: "stdout", text: "line one\n" + "pad ".repeat(200) + "\n" }]);
    await f.complete(body.lease.id, body.lease.epoch, { outcome: "succeeded", exitCode: 0 });
    expect((await fleet(["logs", id!])).out).toContain("line one");

    expect((await fleet(["ship", id!])).out.trim()).toBe(`${id} shipped`);
    const requeue = await fleet(["requeue", id!]);
    expect(requeue.code).toBe(1);
    expect(requeue.err).toMatch(/shipped/);
    expect((await fleet(["kill-switch", "on", "--reason", "maintenance"])).out).toMatch(/ON: maintenance/);
    expect((await fleet(["kill-switch", "off"])).out).toMatch(/off/);
  });

  it("says what to check when the server is unreachable or the token is wrong", async () => {
    const port = await freePort();
    const down = await fleet(["ls"], { FLEET_SERVER: `http://127.0.0.1:${port}` });
    expect(down.code).toBe(1);
    expect(down.err).toContain(`http://127.0.0.1:${port}`);
    expect(down.err).toMatch(/FLEET_SERVER/);
    const unauth = await fleet(["ls"], { FLEET_TOKEN: undefined });
    expect(unauth.code).toBe(1);
    expect(unauth.err).toMatch(/FLEET_TOKEN/);
  });
});
