/**
 * Where the agent keeps what must survive a restart: the factory token and the leases it holds.
 * `FLEET_AGENT_CONFIG_DIR` wins (tests); else `$XDG_CONFIG_HOME/gigafactory`, `~/.config/gigafactory`,
 * or `%APPDATA%\gigafactory` on Windows. Files are written 0600 in a 0700 directory, atomically
 * (write a temp file, then rename) so a crash never leaves half a token behind.
 */
import type { Env } from "../version";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function stateDir(env: Env = process.env): string {
  if (env.FLEET_AGENT_CONFIG_DIR) return path.resolve(env.FLEET_AGENT_CONFIG_DIR);
  if (process.platform === "win32") {
    return path.join(env.APPDATA || path.join(os.homedir(), "AppData", "Roaming"), "gigafactory");
  }
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "gigafactory");
}

export function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  // mode on create is masked by umask; set it explicitly.
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}
