/**
 * Seeds a SQLite data dir with N jobs through the real store (run by bench/ui.bench.ts in a child
 * process started with `--conditions=react-server`, so `server-only` resolves to its empty module).
 * Usage: node --conditions=react-server --import tsx bench/ui-seed.ts DATA_DIR N
 */
import path from "node:path";
import { mkdirSync } from "node:fs";
import { parseJobFile } from "@/lib/manifest";
import { openStore } from "@/server/store";

const [dir, countText] = process.argv.slice(2);
const count = Number(countText);
if (!dir || !Number.isInteger(count) || count < 1) throw new Error("usage: ui-seed.ts DATA_DIR N");
mkdirSync(dir, { recursive: true });
const store = await openStore({ kind: "sqlite", file: path.join(path.resolve(dir), "fleet.db") });
const parsed = parseJobFile("---\nengine: shell\npriority: medium\n---\n\n# seeded\n\necho seeded\n");
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const products = ["web", "api", "mobile", "infra"];
const start = Date.now() - count * 1000;
for (let i = 0; i < count; i++) {
  await store.submitJob({
    id: `seed-${i.toString().padStart(7, "0")}`,
    productId: products[i % products.length]!,
    title: `Seeded job ${i} fixing module ${i % 997}`,
    body: "# seeded\n\necho seeded\n",
    manifest: parsed.spec.manifest,
    contentHash: `seed-${i}`,
    stage: i % 10 === 0 ? "paused" : "queued",
    deps: [],
    depKeys: [],
    now: start + i * 1000,
  });
}
await store.close();
process.stdout.write(`seeded ${count}\n`);
