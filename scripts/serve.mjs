#!/usr/bin/env node
// `npm run serve`: the control plane alone, as a deployment runs it (no local factory). Builds
// first when there is no build, then `next start` on HOST/PORT with the environment as given.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const distDir = process.env.NEXT_DIST_DIR || ".next";
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const port = process.env.PORT || "3000";
const host = process.env.HOST || "127.0.0.1";
// Next's anonymous telemetry (and its banner) is off for our scripts.
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

if (!existsSync(path.join(root, distDir, "BUILD_ID"))) {
  console.log(`[serve] no build in ${distDir}: building first…`);
  const r = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const child = spawn(process.execPath, [nextBin, "start", "-p", port, "-H", host], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, NODE_ENV: "production" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(signal ? 0 : (code ?? 1)));
