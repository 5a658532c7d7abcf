/**
 * Credential PRESENCE, never values: an env var being set (non-empty) or a known login file
 * existing is enough to advertise `cred:<provider>`. Nothing is read from these files.
 */
import type { Env } from "../version";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ENV_VARS: Record<string, string[]> = {
  anthropic: ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"],
  openai: ["OPENAI_API_KEY", "CODEX_API_KEY"],
  github: ["GITHUB_TOKEN", "GH_TOKEN", "COPILOT_GITHUB_TOKEN"],
  gemini: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  devin: ["DEVIN_API_KEY"],
  aws: ["AWS_ACCESS_KEY_ID", "AWS_PROFILE"],
  azure: ["AZURE_OPENAI_API_KEY"],
};

const FILES: Record<string, string[]> = {
  anthropic: [".claude/.credentials.json"],
  openai: [".codex/auth.json"],
  github: [".config/gh/hosts.yml"],
  gemini: [".gemini/oauth_creds.json"],
  aws: [".aws/credentials"],
};

export function detectCredentials(env: Env, home: string = os.homedir()): string[] {
  const found = new Set<string>();
  for (const [provider, vars] of Object.entries(ENV_VARS)) {
    if (vars.some((v) => (env[v] ?? "").trim() !== "")) found.add(provider);
  }
  for (const [provider, files] of Object.entries(FILES)) {
    if (files.some((f) => existsSync(path.join(home, f)))) found.add(provider);
  }
  return [...found].sort().map((p) => `cred:${p}`);
}
