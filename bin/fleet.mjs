#!/usr/bin/env node
// `fleet` CLI entry: loads the TypeScript sources through tsx so no build step is needed.
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";
import { fileURLToPath } from "node:url";
import path from "node:path";

// `server-only` throws outside a React Server build; the CLI reuses server/ modules in plain Node,
// so resolve it to an empty module here (vitest does the same with an alias).
const emptyModule = "data:text/javascript,export {};";
const hook = `export async function resolve(specifier, context, next) {
  if (specifier === "server-only") return { url: ${JSON.stringify(emptyModule)}, shortCircuit: true };
  return next(specifier, context);
}`;
registerHooks(`data:text/javascript,${encodeURIComponent(hook)}`);

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
register({ tsconfig: path.join(root, "tsconfig.json") });
const { main } = await import(path.join(root, "server/cli/fleet.ts"));
process.exitCode = await main(process.argv.slice(2));
