import "server-only";
import type { RunVersions } from "@/server/store/records";

/**
 * The versions an attempt runs with, read from what the claiming factory advertises at claim time:
 * the agent (agent/src/detect) advertises `<engine>:<version>` for each engine CLI it found and
 * `node:`, `pnpm:`, `python:`, `git:`, `docker:`, `xcode:` for the tools. Other `key:value`
 * capabilities (`os:linux`, `cred:github`, custom tags whose value is not a version) are not tools.
 * Bounded like the capability list itself, so nothing here grows with hostile input.
 */
const NOT_TOOLS = new Set(["os", "arch", "has", "cred", "engine", "repo", "factory", "warm"]);
const VERSIONED = /^([a-z][a-z0-9._-]{0,63}):v?(\d{1,9}(?:\.\d{1,9}){0,3}(?:[-+][0-9A-Za-z.]{1,32})?)$/;
const MAX_TOOLS = 64;

export function runVersionsOf(capabilities: readonly string[], engine: string): RunVersions {
  const tools: Record<string, string> = {};
  let n = 0;
  for (const c of capabilities) {
    const m = VERSIONED.exec(c);
    if (!m || NOT_TOOLS.has(m[1]!) || tools[m[1]!] !== undefined) continue;
    tools[m[1]!] = m[2]!;
    if (++n >= MAX_TOOLS) break;
  }
  const own = tools[engine];
  return own !== undefined ? { engine: own, tools } : { tools };
}
