/**
 * The rules of the secret detector (lib/secrets.ts), each written to run in linear time on text a
 * job or a request controls. The detector runs on the coordinator's event loop for every log chunk,
 * so one crafted string must not stall it (an unanchored `eyJ…{8,}\.` took 2.4 s on 80 KB).
 *
 * Why each pattern is linear (checked by secrets.linear.test.ts at growing sizes):
 * - a match starts only at a literal prefix (`ghp_`, `eyJ`, a keyword) behind a look-behind, so
 *   the engine tries few starts and each start fails within a constant number of steps, or
 * - every quantifier is bounded (`{0,16}`, `{8,200}`), so a failing start costs a constant, or
 * - an unbounded run (`{20,}`) can only fail at the end of a run of its own class, and no other
 *   start lies inside that run (the look-behind requires a character outside the class before it),
 *   so each character is scanned a constant number of times.
 * Unbounded `[ \t]*` and a `\b` start inside a run of the class (`eyJ-eyJ-eyJ…`) are what made the
 * old rules quadratic; neither appears below.
 */

export interface Rule {
  kind: string;
  re: RegExp;
  /** capture group holding the secret (default: the whole match) */
  group?: number;
  accept?: (value: string, text: string, start: number) => boolean;
}

const B64 = "A-Za-z0-9+/";

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A value that looks generated: mixed character classes and enough entropy, not a placeholder. */
export function looksRandom(value: string): boolean {
  const v = value.replace(/[.,;]+$/, "");
  if (v.length < 8) return false;
  if (/^(?:x+|\*+|\.+|-+)$/i.test(v)) return false;
  if (/^(?:changeme|password|secret|example|placeholder|redacted|undefined|null|true|false)/i.test(v)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  if (classes < 2) return false;
  return entropy(v) >= 3.0;
}

/** A password in a URL that is a real value, not `${VAR}`, `***` or `<password>`. */
function realPassword(value: string): boolean {
  if (/^(?:\*+|x+|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|%[0-9A-Fa-f]{2}|password|pass|secret)$/i.test(value)) return false;
  return value.length >= 3;
}

const KEYWORDS =
  "password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|auth[_-]?token|access[_-]?token|client[_-]?secret|private[_-]?key|credentials?";

export const RULES: readonly Rule[] = [
  {
    // Lazy to the END line or the end of the text: a match always succeeds once it starts, and the
    // next search begins after it, so each character is read once. The word list is bounded.
    kind: "private-key",
    re: /-----BEGIN (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { kind: "aws-access-key", re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  {
    // `aws_secret_access_key = …`, `"SecretAccessKey": "…"` (the JSON of `aws sts` / credential files).
    kind: "aws-secret-key",
    re: /(?<![A-Za-z0-9])(?:aws[A-Za-z_-]{0,20}(?:secret|key)[A-Za-z_-]{0,20}|secret[_-]?access[_-]?key)["']?[ \t]{0,16}[:=][ \t]{0,16}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  { kind: "github-token", re: /(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/g },
  { kind: "github-token", re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{50,255}(?![A-Za-z0-9_])/g },
  // The fleet's own tokens (server/auth/tokens.ts): gfa_ API, gff_ factory, gfe_ enrollment.
  { kind: "fleet-token", re: /(?<![A-Za-z0-9_])gf[aef]_[A-Za-z0-9_-]{38}(?![A-Za-z0-9_-])/g },
  { kind: "anthropic-key", re: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai-key", re: /(?<![A-Za-z0-9_-])sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai-key", re: /(?<![A-Za-z0-9_])sk-[A-Za-z0-9]{32,}(?![A-Za-z0-9_])/g },
  { kind: "stripe-key", re: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}(?![A-Za-z0-9_])/g },
  { kind: "slack-token", re: /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "slack-webhook", re: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]{1,64}\/B[A-Za-z0-9_]{1,64}\/[A-Za-z0-9_]{1,128}/g },
  { kind: "google-api-key", re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: "gitlab-token", re: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/g },
  { kind: "npm-token", re: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g },
  {
    // A JWT starts a run of base64url characters (not after '-', which would put every `eyJ` of
    // `eyJ-eyJ-…` inside the previous start's run). Each segment's greedy run can only give back
    // characters of its own run, and dots end runs.
    kind: "jwt",
    re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g,
  },
  {
    // Azure storage / Cosmos DB account keys: 64 random bytes in base64 (88 characters, ending ==).
    kind: "azure-key",
    re: new RegExp(`(?<![${B64}-])[${B64}]{86}==(?![${B64}=])`, "g"),
    accept: (value, text, start) => !/sha512-$/i.test(text.slice(Math.max(0, start - 7), start)) && looksRandom(value),
  },
  {
    // `https://user:pass@host`: the password part (the user stays, it helps reading the log).
    kind: "url-password",
    re: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,20}:\/\/[^\s:/?#@]{0,256}:([^\s/?#@]{1,256})@/g,
    group: 1,
    accept: (value) => realPassword(value),
  },
  {
    // `Authorization: Bearer …` / `Basic …` (and curl's -H, and a bare `Bearer …` in a log line).
    kind: "auth-header",
    re: /(?<![A-Za-z0-9])(?:Bearer|Basic)[ \t]{1,16}([A-Za-z0-9._~+/=-]{8,4096})(?![A-Za-z0-9._~+/=-])/gi,
    group: 1,
    accept: (value) => looksRandom(value),
  },
  {
    kind: "assigned-secret",
    re: new RegExp(`(?<![A-Za-z0-9])(?:${KEYWORDS})["']?[ \\t]{0,16}[:=][ \\t]{0,16}["']?([A-Za-z0-9_\\-+/=.~!@#%^&*]{8,200})`, "gi"),
    group: 1,
    accept: (value) => looksRandom(value),
  },
];

export const LABELS: Record<string, string> = {
  "private-key": "a private key",
  "aws-access-key": "an AWS access key",
  "aws-secret-key": "an AWS secret key",
  "github-token": "a GitHub token",
  "fleet-token": "a Gigafactory token",
  "anthropic-key": "an Anthropic API key",
  "openai-key": "an OpenAI API key",
  "stripe-key": "a Stripe key",
  "slack-token": "a Slack token",
  "slack-webhook": "a Slack webhook URL",
  "google-api-key": "a Google API key",
  "gitlab-token": "a GitLab token",
  "npm-token": "an npm token",
  jwt: "a JWT",
  "azure-key": "an Azure / Cosmos DB account key",
  "url-password": "a password in a URL",
  "auth-header": "an Authorization header credential",
  "assigned-secret": "a password or key assignment",
};
