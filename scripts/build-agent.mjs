// Bundles agent/ into one dependency-free file (agent/dist/fleet-agent.mjs).
// Runs on `npm install` (prepare) so `npx fleet-agent` works from a fresh clone.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const entry = path.join(root, "agent", "src", "main.ts");
if (!existsSync(entry)) {
  console.log("build-agent: agent/src/main.ts not present yet; skipping");
  process.exit(0);
}
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.log("build-agent: esbuild not installed (production install); skipping");
  process.exit(0);
}
await esbuild.build({
  entryPoints: [entry],
  outfile: path.join(root, "agent", "dist", "fleet-agent.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  legalComments: "none",
  tsconfig: path.join(root, "tsconfig.json"),
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
console.log("build-agent: wrote agent/dist/fleet-agent.mjs");
