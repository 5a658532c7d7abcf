#!/usr/bin/env node
// `fleet` CLI entry: loads the TypeScript sources through tsx so no build step is needed.
import { register } from "tsx/esm/api";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
register({ tsconfig: path.join(root, "tsconfig.json") });
const { main } = await import(path.join(root, "server/cli/fleet.ts"));
process.exitCode = await main(process.argv.slice(2));
