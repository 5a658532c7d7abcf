#!/usr/bin/env node
// `npm start`: the whole loop on one machine. Builds the app if there is no build (the build touches
// no data), starts the control plane on the embedded SQLite store, registers ONE local fleet-agent
// (shell engine) as a factory with the enrollment token the server keeps in the data dir, and prints,
// after all the build and start-up output, the URL, the admin login, the enrollment token and the
// command that adds another factory. On a fresh data dir it files examples/first-run-shell.md as is
// (it names no repo: the factory runs it in a scratch directory) and says when it waits for Ship.
// Ctrl-C stops both (the agent drains first).
/* global fetch, setTimeout */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// Next's anonymous telemetry (and its banner in the middle of our output) is off for our scripts.
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
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
const passwordFromEnv = Boolean(env.FLEET_ADMIN_PASSWORD);
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
// What the control plane needs and the local agent must never hold (its jobs run hostile text).
const ADMIN_SECRETS = ["FLEET_ADMIN_TOKEN", "FLEET_ADMIN_PASSWORD", "NEXTAUTH_SECRET", "AUTH_SECRET", "COSMOS_KEY"];
function start(name, cmd, args, extraEnv = {}, drop = []) {
  const childEnv = { ...env, ...extraEnv };
  for (const k of drop) delete childEnv[k];
  const child = spawn(cmd, args, { cwd: root, env: childEnv, stdio: ["ignore", "inherit", "inherit"] });
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

async function fileFirstExample() {
  // Filed exactly as a newcomer would paste it: it names no repo, so it runs in a scratch directory.
  const text = readFileSync(path.join(root, "examples", "first-run-shell.md"), "utf8");
  const res = await fetch(`${url}/api/fleet/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.FLEET_ADMIN_TOKEN}`, "content-type": "text/markdown" },
    body: text,
  });
  if (!res.ok) {
    say(`could not file the example job (${res.status}): ${await res.text()}`);
    return undefined;
  }
  const body = await res.json();
  return (body.job ?? body).id;
}

/** Says once when the example job waits for Ship (or where it stopped instead). */
async function reportExample(jobId) {
  const until = Date.now() + 5 * 60_000;
  while (!stopping && Date.now() < until) {
    try {
      const res = await fetch(`${url}/api/fleet/jobs/${jobId}`, { headers: { authorization: `Bearer ${env.FLEET_ADMIN_TOKEN}` } });
      const job = res.ok ? await res.json() : undefined;
      if (job?.stage === "testing") return say(`the example job passed verify and is in testing: open ${url}/jobs/${jobId} and press Ship`);
      if (job && ["review", "failed", "dead_letter", "cancelled", "shipped"].includes(job.stage)) return say(`the example job is in ${job.stage}: ${url}/jobs/${jobId}`);
    } catch {
      // the server is stopping or busy; try again
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

start("control plane", process.execPath, [nextBin, "start", "-p", String(port), "-H", host]);
try {
  await waitForHealth(90_000);
  const name = env.FLEET_FACTORY_NAME || `local-${os.hostname().replace(/[^A-Za-z0-9._-]/g, "-")}`.slice(0, 60);
  start(
    "fleet-agent",
    process.execPath,
    [agentBin, "--server", url, "--name", name, "--engines", "shell:2", "--max", "2", "--workdir", path.join(dataDir, "agent-work")],
    // The factory token of this local agent lives with the data dir, not in the user's config. The
    // enrollment token goes in the environment (the agent drops it once read), never in argv, and
    // the admin secrets are not passed at all.
    { FLEET_AGENT_CONFIG_DIR: path.join(dataDir, "agent-config"), FLEET_ENROLLMENT_TOKEN: enrollmentToken() },
    ADMIN_SECRETS,
  );
  const token = enrollmentToken();
  const exampleId = freshStore ? await fileFirstExample() : undefined;
  const password = passwordFromEnv
    ? "the value of FLEET_ADMIN_PASSWORD"
    : (adminPassword ?? "the one printed on the first start (or set FLEET_ADMIN_PASSWORD and start again)");
  // Plain words, after everything the build and the server printed, so nobody digs in a log.
  const lines = [
    `Gigafactory is running at ${url}`,
    "",
    `Sign in:           user admin, password ${password}`,
    `Enrollment token:  ${token}`,
    `Local factory:     "${name}" runs shell jobs here`,
    "Add a factory:     run this where it should work (from another machine, start with",
    "                   HOST=0.0.0.0 and use this machine's address instead of 127.0.0.1):",
    `  npx fleet-agent --server ${url} --token ${token} --name my-factory`,
    ...(exampleId ? ["", `First job:         ${url}/jobs/${exampleId} (examples/first-run-shell.md)`] : []),
    "",
    "Ctrl-C stops everything.",
  ];
  console.log(["", "=".repeat(72), ...lines.map((l) => (l ? `  ${l}` : "")), "=".repeat(72), ""].join("\n"));
  if (exampleId) await reportExample(exampleId);
} catch (err) {
  say(String(err instanceof Error ? err.message : err));
  shutdown(1);
}
