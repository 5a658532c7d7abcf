/**
 * The environment a job (engine and verify) runs with, built from an ALLOWLIST of the agent's
 * environment, never "the agent's minus some names": a variable the agent gains tomorrow (a new
 * token, a cloud key) must not reach a hostile job by default. What passes:
 *   - the basics a CLI needs: PATH, LANG/LC_*, TERM, TZ, USER/LOGNAME, SHELL (Windows: its system
 *     variables), the proxy and CA-bundle variables;
 *   - the credential variables of THIS job's engine only (a shell job gets none of them);
 *   - names listed in FLEET_AGENT_PASS_ENV (comma-separated), for what a custom engine needs;
 *   - HOME and TMPDIR pointing at the job's scratch directories, never the agent's.
 */
const BASE = [
  "PATH", "LANG", "LANGUAGE", "TERM", "TZ", "USER", "LOGNAME", "SHELL", "COLORTERM", "NO_COLOR",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
  "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
  // Windows: without these most programs cannot start.
  "SYSTEMROOT", "SystemRoot", "COMSPEC", "PATHEXT", "WINDIR", "Path", "PROCESSOR_ARCHITECTURE", "NUMBER_OF_PROCESSORS",
];

/** Credential and settings variables each built-in engine reads (by prefix when ending in `*`). */
export const ENGINE_ENV: Record<string, string[]> = {
  claude: ["ANTHROPIC_*", "CLAUDE_CODE_*", "CLAUDE_CONFIG_DIR", "IS_SANDBOX", "AWS_*", "CLOUD_ML_REGION", "GOOGLE_APPLICATION_CREDENTIALS"],
  codex: ["OPENAI_*", "CODEX_*", "AZURE_OPENAI_*"],
  gemini: ["GEMINI_*", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_APPLICATION_CREDENTIALS"],
  copilot: ["COPILOT_*", "GH_TOKEN", "GITHUB_TOKEN", "GH_HOST"],
  aider: ["AIDER_*", "OPENAI_*", "ANTHROPIC_*", "GEMINI_*", "DEEPSEEK_*", "OPENROUTER_*", "AZURE_*"],
  devin: ["DEVIN_*"],
  shell: [],
};

/** The agent's own secrets: never passed, even when an allowlist pattern or PASS_ENV names them. */
const NEVER = /^(FLEET_ENROLLMENT_TOKEN|FLEET_TOKEN|FLEET_ADMIN_TOKEN|FLEET_ADMIN_PASSWORD|NEXTAUTH_SECRET|AUTH_SECRET|COSMOS_KEY)$/;

function matches(name: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}

export interface JobEnvInput {
  /** the agent's environment */
  env: Record<string, string | undefined>;
  engine: string;
  home: string;
  tmp: string;
  /** the adapter's own variables (yolo trust flags…), set last but for HOME/TMPDIR */
  extra?: Record<string, string>;
  job: { jobId: string; leaseId: string };
}

export function buildJobEnv(i: JobEnvInput): Record<string, string> {
  const pass = (i.env.FLEET_AGENT_PASS_ENV ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const allowed = [...BASE, ...(ENGINE_ENV[i.engine] ?? []), ...pass];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.env)) {
    if (v === undefined || NEVER.test(k)) continue;
    if (matches(k, allowed) || k.startsWith("LC_")) out[k] = v;
  }
  Object.assign(out, i.extra);
  out.HOME = i.home;
  out.TMPDIR = i.tmp;
  if (process.platform === "win32") {
    out.USERPROFILE = i.home;
    out.TEMP = out.TMP = i.tmp;
  }
  out.FLEET_JOB_ID = i.job.jobId;
  out.FLEET_LEASE_ID = i.job.leaseId;
  out.FLEET_ENGINE = i.engine;
  return out;
}
