#!/usr/bin/env node
// `npm start`: the whole loop on one machine. Builds the app if there is no build, starts the
// control plane on the embedded SQLite store, registers ONE local fleet-agent (shell engine) as a
// factory with the enrollment token the server keeps in the data dir, prints the URL and the admin
// login, and on a fresh data dir files examples/first-run-shell.md so the newcomer sees a job go
// queued → review/testing and ships it with one click. Ctrl-C stops both (the agent drains first).
/* global fetch, setTimeout */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const env = { ...process.env };
const port = Number(env.PORT || 3000);
const host = env.HOST || "127.0.0.1";
const dataDir = path.resolve(root, env.FLEET_DATA_DIR || ".data");
const distDir = env.NEXT_DIST_DIR || ".next";
const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const agentBin = path.join(root, "agent", "dist", "fleet-agent.mjs");
const say = (msg) => console.log(`[start] ${msg}`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(path.join(root, distDir, "BUILD_ID"))) {
  say(`no build in ${distDir}: building (a few minutes the first time)…`);
  run(process.execPath, [nextBin, "build"]);
}
if (!existsSync(agentBin)) {
  say("bundling fleet-agent…");
  run(process.execPath, [path.join(root, "scripts", "build-agent.mjs")]);
}

mkdirSync(dataDir, { recursive: true });
const freshStore = !existsSync(path.join(dataDir, "fleet.db"));
// On a fresh data dir we choose the admin password so we can print it next to the URL; afterwards
// the stored hash is kept (the server never stores or prints it again).
let adminPassword = env.FLEET_ADMIN_PASSWORD;
if (!adminPassword && freshStore) adminPassword = env.FLEET_ADMIN_PASSWORD = randomBytes(9).toString("base64url");
// A per-run admin API token lets this script file the first example; it dies with the process.
const runToken = randomBytes(24).toString("base64url");
env.FLEET_ADMIN_TOKEN ||= runToken;
env.FLEET_DATA_DIR = dataDir;
env.PORT = String(port);
env.HOST = host;
env.NODE_ENV = "production";

const children = [];
function start(name, cmd, args, extraEnv = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "inherit", "inherit"] });
  child.on("exit", (code, signal) => {
    say(`${name} exited (${signal ?? code})`);
    if (!stopping) shutdown(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children.reverse()) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null))).then(() => process.exit(code));
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

async function waitForHealth(deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/api/fleet/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the control plane did not answer ${url}/api/fleet/healthz in ${deadlineMs / 1000}s`);
}

function enrollmentToken() {
  if (env.FLEET_ENROLLMENT_TOKEN) return env.FLEET_ENROLLMENT_TOKEN;
  const file = path.join(dataDir, "secrets.json");
  const secrets = JSON.parse(readFileSync(file, "utf8"));
  if (!secrets.enrollmentToken) throw new Error(`no enrollmentToken in ${file}`);
  return secrets.enrollmentToken;
}

/** A small git repository for the example to work in (jobs run in a worktree of `repo` or in `cwd`). */
function firstRunRepo() {
  const dir = path.join(dataDir, "first-run-repo");
  if (existsSync(path.join(dir, ".git"))) return dir;
  mkdirSync(dir, { recursive: true });
  const gitEnv = { ...env, GIT_AUTHOR_NAME: "gigafactory", GIT_AUTHOR_EMAIL: "gigafactory@localhost", GIT_COMMITTER_NAME: "gigafactory", GIT_COMMITTER_EMAIL: "gigafactory@localhost" };
  const git = (...args) => spawnSync("git", args, { cwd: dir, env: gitEnv, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "README.md"), "# first run\n\nThe example job writes hello.txt here, in its own worktree.\n");
  git("add", "README.md");
  git("commit", "-q", "-m", "first run");
  return dir;
}

async function fileFirstExample() {
  // The example names no repo (paths differ per machine); the local sandbox repo is added here.
  const text = readFileSync(path.join(root, "examples", "first-run-shell.md"), "utf8").replace(/^---\n/, `---\nrepo: ${JSON.stringify(firstRunRepo())}\n`);
  const res = await fetch(`${url}/api/fleet/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.FLEET_ADMIN_TOKEN}`, "content-type": "text/markdown" },
    body: text,
  });
  if (!res.ok) {
    say(`could not file the example job (${res.status}): ${await res.text()}`);
    return;
  }
  const body = await res.json();
  const job = body.job ?? body;
  say(`filed the example job: ${url}/jobs/${job.id}`);
}

start("control plane", process.execPath, [nextBin, "start", "-p", String(port), "-H", host]);
try {
  await waitForHealth(90_000);
  const name = env.FLEET_FACTORY_NAME || `local-${os.hostname().replace(/[^A-Za-z0-9._-]/g, "-")}`.slice(0, 60);
  start(
    "fleet-agent",
    process.execPath,
    [agentBin, "--server", url, "--token", enrollmentToken(), "--name", name, "--engines", "shell:2", "--max", "2", "--workdir", path.join(dataDir, "agent-work")],
    // The factory token of this local agent lives with the data dir, not in the user's config.
    { FLEET_AGENT_CONFIG_DIR: path.join(dataDir, "agent-config") },
  );
  if (freshStore) await fileFirstExample();
  console.log("");
  say(`Gigafactory is running at ${url}`);
  say(`sign in as: admin / ${adminPassword ?? "(the password printed on the first start, or set FLEET_ADMIN_PASSWORD)"}`);
  say(`a local factory "${name}" runs shell jobs; Ctrl-C stops everything`);
} catch (err) {
  say(String(err instanceof Error ? err.message : err));
  shutdown(1);
}
