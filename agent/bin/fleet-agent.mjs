#!/usr/bin/env node
// Runs the bundled agent (agent/dist/fleet-agent.mjs, built by `npm install` → scripts/build-agent.mjs).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/fleet-agent.mjs", import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  console.error("fleet-agent: the bundle is missing (agent/dist/fleet-agent.mjs); run `npm install` or `node scripts/build-agent.mjs` in the repository root");
  process.exit(1);
}
await import(bundle.href);
