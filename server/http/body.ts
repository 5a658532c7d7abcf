import "server-only";
import { FleetError } from "@/server/errors";

/**
 * Reads a request body with a hard byte limit. Content-Length is checked first (cheap refusal), then
 * bytes are counted while reading, because Content-Length may be absent (chunked) or lie.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  return new TextDecoder("utf-8", { fatal: false }).decode(await readBodyBytes(req, maxBytes));
}

/** The body's bytes, with the same limit and checks as readBodyText. */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    parts.push(value);
  }
  return concat(parts, total);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): FleetError {
  return new FleetError("payload_too_large", `the body is larger than ${maxBytes} bytes`, {
    errors: [{ path: "(body)", message: `at most ${maxBytes} bytes` }],
  });
}

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(req: Request): string {
  return (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * How deeply a JSON body may nest. No body of ours needs more than a dozen levels; a crafted one of
 * thousands would reach code that walks values recursively (a stack overflow is a 500).
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of `[`/`{` in a JSON text, in one linear pass (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

export function parseJsonText(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new FleetError("validation", `the body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      errors: [{ path: "(body)", message: `at most ${MAX_JSON_DEPTH} levels of nesting` }],
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new FleetError("validation", "the body is not valid JSON", {
      errors: [{ path: "(body)", message: "malformed JSON" }],
    });
  }
}
