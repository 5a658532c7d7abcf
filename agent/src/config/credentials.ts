/**
 * The factory's identity after registration: `{factoryId, token, server}` in
 * `<stateDir>/<name>.json`, mode 0600. Reused on every start; a different --server means a
 * different coordinator, so we register again rather than send this token somewhere else.
 */
import type { Env } from "../version";
import path from "node:path";
import { z } from "zod";
import { readJson, removeFile, stateDir, writePrivateJson } from "./state-dir";

const credentialsSchema = z.object({
  factoryId: z.string().min(1),
  token: z.string().min(1),
  server: z.string().min(1),
});
export type FactoryCredentials = z.infer<typeof credentialsSchema>;

export function credentialsFile(name: string, env: Env = process.env): string {
  return path.join(stateDir(env), `${name}.json`);
}

export function loadCredentials(name: string, server: string, env: Env = process.env): FactoryCredentials | undefined {
  const raw = readJson(credentialsFile(name, env));
  const r = credentialsSchema.safeParse(raw);
  if (!r.success || r.data.server !== server) return undefined;
  return r.data;
}

export function saveCredentials(name: string, creds: FactoryCredentials, env: Env = process.env): void {
  writePrivateJson(credentialsFile(name, env), creds);
}

export function forgetCredentials(name: string, env: Env = process.env): void {
  removeFile(credentialsFile(name, env));
}
