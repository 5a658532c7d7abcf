/**
 * The secret detector, shared by every place a secret must not pass: manifests are refused when a
 * value looks like one, the agent redacts log chunks before they leave the machine, and the
 * coordinator redacts again before it stores anything.
 *
 * Two kinds of rules: token shapes that are unmistakable on their own (ghp_…, sk-ant-…, AKIA…, PEM
 * blocks, JWTs), and `password=`/`api_key:`-style assignments whose value looks random (an entropy
 * and character-mix test, so `password: ${DB_PASSWORD}` or `token = getToken()` pass). Runs of base64
 * of 24+ characters are decoded and scanned again, so a token hidden as base64 is caught too.
 * Ordinary git SHAs, UUIDs, paths and sha512 integrity strings are not secrets (see the tests).
 */

export interface SecretHit {
  kind: string;
  start: number;
  end: number;
}

interface Rule {
  kind: string;
  re: RegExp;
  /** capture group holding the secret (default: the whole match) */
  group?: number;
  accept?: (value: string, text: string, start: number) => boolean;
}

const B64 = "A-Za-z0-9+/";

const RULES: Rule[] = [
  {
    kind: "private-key",
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { kind: "aws-access-key", re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g },
  {
    kind: "aws-secret-key",
    re: /aws[A-Za-z_-]{0,20}(?:secret|key)[A-Za-z_-]{0,20}["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  { kind: "github-token", re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,251}\b/g },
  { kind: "github-token", re: /\bgithub_pat_[A-Za-z0-9_]{50,255}\b/g },
  { kind: "anthropic-key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai-key", re: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai-key", re: /\bsk-[A-Za-z0-9]{32,}\b/g },
  { kind: "stripe-key", re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g },
  { kind: "slack-token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "slack-webhook", re: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+/g },
  { kind: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: "npm-token", re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  {
    kind: "jwt",
    re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g,
  },
  {
    // Azure storage / Cosmos DB account keys: 64 random bytes in base64 (88 characters, ending ==).
    kind: "azure-key",
    re: new RegExp(`(?<![${B64}-])[${B64}]{86}==(?![${B64}=])`, "g"),
    accept: (value, text, start) => !/sha512-$/i.test(text.slice(Math.max(0, start - 7), start)) && looksRandom(value),
  },
  {
    kind: "assigned-secret",
    re: /(?:^|[^A-Za-z0-9])(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|auth[_-]?token|access[_-]?token|client[_-]?secret|private[_-]?key|credentials?)["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9_\-+/=.~!@#%^&*]{8,200})/gi,
    group: 1,
    accept: (value) => looksRandom(value),
  },
];

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
function looksRandom(value: string): boolean {
  const v = value.replace(/[.,;]+$/, "");
  if (v.length < 8) return false;
  if (/^(?:x+|\*+|\.+|-+)$/i.test(v)) return false;
  if (/^(?:changeme|password|secret|example|placeholder|redacted|undefined|null|true|false)/i.test(v)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  if (classes < 2) return false;
  return entropy(v) >= 3.0;
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

function decodeBase64(run: string): string | undefined {
  let s = run.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (s.length % 4 === 1) s = s.slice(0, -1);
  s += "=".repeat((4 - (s.length % 4)) % 4);
  if (s.length < 24) return undefined;
  try {
    const bin = atob(s);
    // Only text is worth scanning: at least 90% printable ASCII.
    let printable = 0;
    for (let i = 0; i < bin.length; i++) {
      const c = bin.charCodeAt(i);
      if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
    }
    return printable >= bin.length * 0.9 ? bin : undefined;
  } catch {
    return undefined;
  }
}

function directHits(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = rule.re.exec(text)) !== null) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      const value = rule.group ? m[rule.group] : m[0];
      if (value === undefined) continue;
      const start = rule.group ? m.index + m[0].lastIndexOf(value) : m.index;
      if (rule.accept && !rule.accept(value, text, start)) continue;
      hits.push({ kind: rule.kind, start, end: start + value.length });
    }
  }
  return hits;
}

/** Non-overlapping hits, in order; where two overlap the one that starts first (then the longer) wins. */
function settle(hits: SecretHit[]): SecretHit[] {
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SecretHit[] = [];
  for (const h of hits) {
    const last = out[out.length - 1];
    if (last && h.start < last.end) {
      if (h.end > last.end) last.end = h.end;
      continue;
    }
    out.push({ ...h });
  }
  return out;
}

/** Every secret-looking span of `text`, in order, not overlapping. */
export function findSecrets(text: string): SecretHit[] {
  if (typeof text !== "string" || text.length === 0) return [];
  const hits = directHits(text);
  BASE64_RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BASE64_RUN.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    if (hits.some((h) => h.start < end && start < h.end)) continue;
    const decoded = decodeBase64(m[0]);
    if (decoded === undefined) continue;
    const inner = directHits(decoded);
    if (inner.length > 0) hits.push({ kind: `${settle(inner)[0]!.kind}-base64`, start, end });
  }
  return settle(hits);
}

export function containsSecret(text: string): boolean {
  return findSecrets(text).length > 0;
}

function applyRedaction(text: string, hits: readonly SecretHit[]): string {
  let out = "";
  let pos = 0;
  for (const h of hits) {
    out += text.slice(pos, h.start) + `[REDACTED:${h.kind}]`;
    pos = h.end;
  }
  return out + text.slice(pos);
}

/** `text` with each secret replaced by `[REDACTED:kind]`. */
export function redact(text: string): string {
  return applyRedaction(text, findSecrets(text));
}

const LABELS: Record<string, string> = {
  "private-key": "a private key",
  "aws-access-key": "an AWS access key",
  "aws-secret-key": "an AWS secret key",
  "github-token": "a GitHub token",
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
  "assigned-secret": "a password or key assignment",
};

export function describeSecret(kind: string): string {
  const base = kind.endsWith("-base64") ? kind.slice(0, -"-base64".length) : kind;
  const label = LABELS[base] ?? "a secret";
  return base === kind ? label : `${label} (hidden as base64)`;
}

/** The refusal message for a manifest value (it never repeats the value). */
export function secretMessage(kind: string): string {
  return `the value looks like ${describeSecret(kind)}: keep secrets out of job files (a factory holds credentials and advertises cred:<name>)`;
}

export interface StreamRedactor {
  /** Takes the next chunk; returns the text that is now safe to pass on (possibly ""). */
  push(chunk: string): string;
  /** Returns whatever is still held back, redacted. Call once at the end of the stream. */
  flush(): string;
}

/** How much of an over-long line is kept back when it must be released before it ends. */
export const STREAM_HOLD = 512;
/** The most text the redactor will hold back while waiting for a line to end. */
export const STREAM_MAX_HELD = 16_384;
const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

/** Where the last private key block of `text` begins if it has no END line yet, else -1. */
function openKeyStart(text: string): number {
  PEM_BEGIN.lastIndex = 0;
  let last = -1;
  let m: RegExpExecArray | null;
  while ((m = PEM_BEGIN.exec(text)) !== null) last = m.index;
  return last >= 0 && !PEM_END.test(text.slice(last)) ? last : -1;
}

function lineStart(text: string, index: number): number {
  return Math.max(text.lastIndexOf("\n", index - 1), text.lastIndexOf("\r", index - 1)) + 1;
}

/**
 * A redactor for a stream of chunks (log output). No rule matches across a line end except a
 * private key block, so every complete line is released at once (no added latency for a live log
 * tail) and only the unfinished last line is held back — a secret split across chunks is then seen
 * whole. An open private key block is held until its END line. Held text is bounded by
 * STREAM_MAX_HELD: past it, an endless line is released except its last STREAM_HOLD characters, and
 * a private key block still open is redacted and the rest of it dropped up to its END line. Within
 * these bounds the concatenated output equals `redact(whole text)`.
 */
export function createStreamRedactor(): StreamRedactor {
  let held = "";
  /** A private key block was released unterminated: drop text until its END line. */
  let inPrivateKey = false;

  function skipKeyRest(text: string): string {
    const end = PEM_END.exec(text);
    if (!end) return "";
    inPrivateKey = false;
    return text.slice(end.index + end[0].length);
  }

  return {
    push(chunk: string): string {
      let text = held + chunk;
      held = "";
      if (inPrivateKey) {
        text = skipKeyRest(text);
        if (inPrivateKey) return "";
      }
      // Release every complete line (\n or \r ends one), but hold the line where an unfinished
      // private key block begins, and never cut through a secret.
      let cut = lineStart(text, text.length);
      const open = openKeyStart(text);
      if (open >= 0) cut = Math.min(cut, lineStart(text, open));
      let hits: SecretHit[] | undefined;
      const hitsOf = () => (hits ??= findSecrets(text));
      // A secret that straddles the cut stays held with the whole line it starts on (its context).
      for (let moved = cut > 0; moved; ) {
        moved = false;
        for (const h of hitsOf()) {
          if (h.start < cut && cut < h.end) {
            cut = lineStart(text, h.start);
            moved = true;
          }
        }
      }
      if (text.length - cut > STREAM_MAX_HELD) cut = text.length - STREAM_HOLD;
      if (cut <= 0) {
        held = text;
        return "";
      }
      const released = hitsOf()
        .filter((h) => h.start < cut)
        .map((h) => ({ ...h, end: Math.min(h.end, cut) }));
      held = text.slice(cut);
      if (openKeyStart(text.slice(0, cut)) >= 0) {
        // Forced out before its END line: the rest of the block is key material, drop it.
        inPrivateKey = true;
        held = skipKeyRest(held);
      }
      return applyRedaction(text.slice(0, cut), released);
    },
    flush(): string {
      const text = inPrivateKey ? skipKeyRest(held) : held;
      held = "";
      inPrivateKey = false;
      return redact(text);
    },
  };
}
