/**
 * `npm run bench [-- --json FILE] [-- --only NAME]`: runs every bench/*.bench.ts module, prints a table
 * of metrics, and with --json writes {metric: value} (CONTRACT §5). Each module exports
 * `name` and `run(): Promise<Record<string, number>>`; baselines are measured in the same run.
 */
import { readdirSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface BenchModule {
  name: string;
  run: () => Promise<Record<string, number>>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => !only || f.startsWith(only))
  .sort();

const metrics: Record<string, number> = {};
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as BenchModule;
  process.stderr.write(`bench: ${mod.name} …\n`);
  const started = Date.now();
  const result = await mod.run();
  process.stderr.write(`bench: ${mod.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  Object.assign(metrics, result);
}

const width = Math.max(...Object.keys(metrics).map((k) => k.length), 6);
console.log(`${"metric".padEnd(width)}  value`);
for (const [k, v] of Object.entries(metrics)) {
  console.log(`${k.padEnd(width)}  ${Number.isInteger(v) ? v : v.toFixed(3)}`);
}
if (jsonFile) {
  mkdirSync(path.dirname(path.resolve(jsonFile)), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify(metrics, null, 2) + "\n");
  console.log(`wrote ${jsonFile}`);
}
