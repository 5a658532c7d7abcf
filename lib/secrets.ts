import { LABELS, RULES } from "./secret-rules";

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

export { entropy } from "./secret-rules";

/** The rules with `d` (match indices) where a capture group holds the secret. */
const COMPILED = RULES.map((r) => ({ ...r, re: r.group ? new RegExp(r.re.source, r.re.flags + "d") : r.re }));

function directHits(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const rule of COMPILED) {
    rule.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = rule.re.exec(text)) !== null) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      const span: [number, number] | undefined = rule.group ? m.indices?.[rule.group] : [m.index, m.index + m[0].length];
      if (!span) continue;
      const [start, end] = span;
      if (rule.accept && !rule.accept(text.slice(start, end), text, start)) continue;
      hits.push({ kind: rule.kind, start, end });
    }
  }
  return hits;
}

/**
 * Terminal escapes (colours, cursor moves, OSC titles): a token printed with a colour change inside
 * it (`ghp_abc\x1b[0mdef…`) is still one token to a person reading the terminal. Every quantifier is
 * bounded, so stripping is linear.
 */
// eslint-disable-next-line no-control-regex -- matching terminal escapes is the point
const ANSI = /\x1b(?:\[[0-9;:?<=>]{0,32}[ -/]{0,4}[@-~]|\][^\x07\x1b]{0,1024}(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

/** Hits in `text` with its escapes removed, mapped back onto `text` (spans widened over escapes). */
function hitsWithoutEscapes(text: string): SecretHit[] {
  if (!text.includes("\x1b")) return [];
  const kept = new Int32Array(text.length);
  let plain = "";
  let n = 0;
  let pos = 0;
  const keep = (upTo: number) => {
    for (let i = pos; i < upTo; i++) kept[n++] = i;
    plain += text.slice(pos, upTo);
  };
  ANSI.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ANSI.exec(text)) !== null) {
    keep(m.index);
    pos = m.index + m[0].length;
  }
  keep(text.length);
  return directHits(plain).map((h) => ({ kind: h.kind, start: kept[h.start]!, end: kept[h.end - 1]! + 1 }));
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

/** 6-bit values of the base64 and base64url alphabets (-1: not a base64 character). */
const SEXTET = (() => {
  const t = new Int8Array(128).fill(-1);
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (let i = 0; i < abc.length; i++) t[abc.charCodeAt(i)] = i;
  t[43] = t[45] = 62; // + -
  t[47] = t[95] = 63; // / _
  return t;
})();

/**
 * Decodes a run of base64/base64url (whitespace and `=` skipped) in one pass, and only if it is text:
 * at least 90% printable ASCII, given up as soon as that can no longer hold (binary blobs cost
 * little). Hand-written because `replace`-then-`atob` grew super-linearly on megabyte runs.
 */
function decodeBase64(run: string): string | undefined {
  let sextets = 0;
  for (let i = 0; i < run.length; i++) if ((SEXTET[run.charCodeAt(i)] ?? -1) >= 0) sextets++;
  const total = Math.floor((sextets * 6) / 8);
  if (total < 18) return undefined;
  const allowedBad = Math.floor(total * 0.1);
  let bad = 0;
  let acc = 0;
  let bits = 0;
  const parts: string[] = [];
  let buf: number[] = [];
  for (let i = 0; i < run.length; i++) {
    const v = SEXTET[run.charCodeAt(i)] ?? -1;
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits < 8) continue;
    bits -= 8;
    const c = (acc >> bits) & 0xff;
    if (!((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) && ++bad > allowedBad) return undefined;
    buf.push(c);
    if (buf.length === 8192) {
      parts.push(String.fromCharCode(...buf));
      buf = [];
    }
  }
  parts.push(String.fromCharCode(...buf));
  return parts.join("");
}

/** The kind of the first secret inside a base64 text, if it decodes to text that holds one. */
function hiddenKind(encoded: string): string | undefined {
  const decoded = decodeBase64(encoded);
  if (decoded === undefined) return undefined;
  const inner = directHits(decoded);
  return inner.length > 0 ? `${settle(inner)[0]!.kind}-base64` : undefined;
}

interface Span {
  start: number;
  end: number;
}

function lineBreakBetween(text: string, from: number, to: number): boolean {
  const gap = text.slice(from, to);
  return gap === "\n" || gap === "\r\n";
}

/**
 * Base64 runs that decode to text holding a secret. Lines of one width (a multiple of 4) followed by
 * a shorter last line are one wrapped blob (`base64` wraps at 76), decoded whole so a key split over
 * two lines is seen; when the blob holds nothing each line is still tried alone. Runs that overlap a
 * direct hit are skipped. `direct` is sorted and non-overlapping; one pointer walks it (linear).
 */
function base64Hits(text: string, direct: readonly SecretHit[]): SecretHit[] {
  const runs: Span[] = [];
  BASE64_RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BASE64_RUN.exec(text)) !== null) runs.push({ start: m.index, end: m.index + m[0].length });
  const out: SecretHit[] = [];
  let d = 0;
  const overlapsDirect = (s: Span): boolean => {
    while (d < direct.length && direct[d]!.end <= s.start) d++;
    return d < direct.length && direct[d]!.start < s.end;
  };
  const tryOne = (s: Span) => {
    if (overlapsDirect(s)) return;
    const kind = hiddenKind(text.slice(s.start, s.end));
    if (kind) out.push({ kind, ...s });
  };
  for (let i = 0; i < runs.length; ) {
    const width = runs[i]!.end - runs[i]!.start;
    let j = i;
    if (width % 4 === 0) {
      while (j + 1 < runs.length && runs[j]!.end - runs[j]!.start === width && runs[j + 1]!.end - runs[j + 1]!.start <= width && lineBreakBetween(text, runs[j]!.end, runs[j + 1]!.start)) j++;
    }
    if (j > i) {
      const blob = { start: runs[i]!.start, end: runs[j]!.end };
      const dAt = d;
      const kind = overlapsDirect(blob) ? undefined : hiddenKind(text.slice(blob.start, blob.end).replace(/\s/g, ""));
      d = dAt;
      if (kind) {
        out.push({ kind, ...blob });
        i = j + 1;
        continue;
      }
    }
    for (; i <= j; i++) tryOne(runs[i]!);
  }
  return out;
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

/** Every secret-looking span of `text`, in order, not overlapping. Linear in the length of `text`. */
export function findSecrets(text: string): SecretHit[] {
  if (typeof text !== "string" || text.length === 0) return [];
  const direct = settle([...directHits(text), ...hitsWithoutEscapes(text)]);
  return settle([...direct, ...base64Hits(text, direct)]);
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
  /** An independent copy of this redactor's state (to try a chunk without committing to it). */
  fork(): StreamRedactor;
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
export function createStreamRedactor(state: { held: string; inPrivateKey: boolean } = { held: "", inPrivateKey: false }): StreamRedactor {
  let held = state.held;
  /** A private key block was released unterminated: drop text until its END line. */
  let inPrivateKey = state.inPrivateKey;

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
      // Hits are sorted and disjoint, so one walk from the last one back settles the cut.
      if (cut > 0) {
        const all = hitsOf();
        for (let i = all.length - 1; i >= 0 && cut > 0; i--) {
          const h = all[i]!;
          if (h.end <= cut && h.start < cut) break;
          if (h.start < cut) cut = lineStart(text, h.start);
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
    fork(): StreamRedactor {
      return createStreamRedactor({ held, inPrivateKey });
    },
  };
}
