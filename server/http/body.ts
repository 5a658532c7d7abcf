import "server-only";
import { FleetError } from "./errors";

/**
 * Reads a request body with a hard byte limit. Content-Length is checked first (cheap refusal), then
 * bytes are counted while reading, because Content-Length may be absent (chunked) or lie.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return "";
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
  return new TextDecoder("utf-8", { fatal: false }).decode(concat(parts, total));
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
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

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FleetError("validation", "the body is not valid JSON", {
      errors: [{ path: "(body)", message: "malformed JSON" }],
    });
  }
}
