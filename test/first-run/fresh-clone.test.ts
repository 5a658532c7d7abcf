/**
 * SLOW: each test here builds the app from a fresh copy of the checkout (a minute or more each).
 * What a newcomer sees on a fresh clone:
 *   1. `next build` touches no data: no store, no secrets, no password in the build output.
 *   2. exactly the README's `npm start`: after the build, the URL, the admin password and the
 *      enrollment token in plain words, the command that adds a factory, and the first example job,
 *      which reaches `testing` and waits for Ship; SIGINT then stops everything cleanly.
 * The two run one after the other in this file so that no two builds share the machine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/app";
import { freshCopy, newcomerEnv, type FreshCopy } from "./fresh-copy";

const copies: FreshCopy[] = [];
const children: ChildProcess[] = [];
const temps: string[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, "SIGKILL");
  for (const c of copies) c.remove();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  // Its own process group, so a failed test can take down everything it started.
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

async function waitForOutput(p: ReturnType<typeof run>, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = p.output().match(re);
    if (m) return m;
    if (p.child.exitCode !== null) throw new Error(`exited (${p.child.exitCode}) before printing ${re}:\n${p.output().slice(-4000)}`);
    if (Date.now() > until) throw new Error(`no ${re} within ${ms} ms:\n${p.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function signIn(url: string, username: string, password: string): Promise<string> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") },
    body: new URLSearchParams({ csrfToken, username, password, json: "true" }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`signing in as ${username} failed (status ${res.status})`);
  return session.split(";")[0]!;
}

describe.skipIf(process.platform === "win32")("a fresh clone (slow: each test builds the app)", () => {
  it("next build never opens the store, writes no secret and logs no password: FLEET_DATA_DIR stays empty", async () => {
    const copy = freshCopy();
    copies.push(copy);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-build-data-"));
    temps.push(dataDir);
    const build = run(process.execPath, ["node_modules/next/dist/bin/next", "build"], copy.dir, newcomerEnv({ FLEET_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" }));
    const r = await build.exited;
    expect(r.code, build.output().slice(-4000)).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(existsSync(path.join(copy.dir, ".data"))).toBe(false);
    expect(build.output()).not.toMatch(/generated the local admin's password|generated the factory enrollment token/);
    // Every page reads the session and the store per request, so none was rendered at build time.
    expect(build.output()).toMatch(/ƒ \/signin/);
    copy.remove();
  }, 15 * 60_000);

  it("`npm start` prints the URL, password, enrollment token and the add-a-factory command, and the first job waits in testing", async () => {
    const copy = freshCopy();
    copies.push(copy);
    expect(existsSync(path.join(copy.dir, ".next"))).toBe(false);
    expect(existsSync(path.join(copy.dir, ".data"))).toBe(false);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = run("npm", ["start"], copy.dir, newcomerEnv({ PORT: String(port) }));

    const [, printedUrl] = await waitForOutput(start, /Gigafactory is running at (\S+)/, 12 * 60_000);
    expect(printedUrl).toBe(url);
    const out = () => start.output();
    const [, password] = await waitForOutput(start, /Sign in: +user admin, password (\S+)/, 5_000);
    const [, token] = await waitForOutput(start, /Enrollment token: +(\S+)/, 5_000);
    expect(out()).toContain(`npx fleet-agent --server ${url} --token ${token} --name `);
    const [, jobId] = await waitForOutput(start, new RegExp(`First job: +${url}/jobs/(\\S+)`), 5_000);
    // Printed in plain words after the build, not only as a JSON log line in the middle of it.
    expect(out().indexOf(`password ${password}`)).toBeGreaterThan(out().lastIndexOf("Compiled successfully"));
    expect(out()).not.toMatch(/Attention: Next\.js now collects completely anonymous telemetry/);

    await waitForOutput(start, /the example job passed verify and is in testing/, 3 * 60_000);
    // The password signs in and the session sees the job waiting for Ship.
    const cookie = await signIn(url, "admin", password!);
    const job = (await (await fetch(`${url}/api/fleet/jobs/${jobId}`, { headers: { cookie } })).json()) as { stage: string; title: string };
    expect(job).toMatchObject({ stage: "testing", title: "Say hello from the local factory" });
    // The enrollment token registers a factory.
    const reg = await fetch(`${url}/api/fleet/factories`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "second-factory", os: "linux", arch: "x64", capabilities: ["os:linux"], stations: [{ engine: "shell", slots: 1 }], version: "0.0.0-test" }),
    });
    expect(reg.status).toBe(201);

    // Ctrl-C: the agent drains, the server stops, npm exits, nothing is left listening.
    process.kill(-start.child.pid!, "SIGINT");
    const end = await start.exited;
    expect(end.code === 0 || end.signal === "SIGINT", out().slice(-2000)).toBe(true);
    await expect(fetch(`${url}/api/fleet/healthz`)).rejects.toThrow();
    copy.remove();
  }, 20 * 60_000);
});
