// Runs the Playwright browser tests when there are any (e2e/*.spec.ts), against the built app.
import { readdirSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const specs = existsSync("e2e") ? readdirSync("e2e").filter((f) => f.endsWith(".spec.ts")) : [];
if (specs.length === 0) {
  console.log("e2e: no browser tests yet");
  process.exit(0);
}
const r = spawnSync("npx", ["playwright", "test"], { stdio: "inherit" });
process.exit(r.status ?? 1);
