/**
 * Byte limits that the agent and the coordinator must agree on, in one place. A limit that only one
 * side knows wedges delivery: an agent that sends a batch the coordinator refuses with 413 would
 * re-send it forever and lose the rest of the log.
 */
import { LIMITS } from "./protocol";

/**
 * The agent splits a lease's event batches so that each JSON body is at most this many bytes. One
 * event that alone is larger (an inline artifact) is sent in a batch of its own.
 */
export const AGENT_BATCH_BYTES = 1_048_576;

/**
 * What the coordinator accepts on the lease routes (events, complete), whatever FLEET_MAX_BODY_BYTES
 * says for other routes: the largest single event the protocol allows (an artifact of
 * LIMITS.artifactContent characters, each escaped to at most 6 bytes in JSON) plus its envelope.
 */
export const LEASE_BODY_BYTES = LIMITS.artifactContent * 6 + 64 * 1024;

/** Default cap on the log text stored for one attempt (FLEET_MAX_LOG_BYTES); the rest is dropped. */
export const DEFAULT_ATTEMPT_LOG_BYTES = 16 * 1_048_576;

/** The last stretch of a truncated log that is still kept and stored when the attempt ends. */
export const LOG_TAIL_BYTES = 64 * 1024;

/** The line that stands where log output was dropped; its form is stable so the UI can find it. */
export function logTruncatedMarker(limitBytes: number): string {
  return `\n[log truncated: this attempt's output passed ${limitBytes} bytes; the output after this point is dropped except its last ${LOG_TAIL_BYTES} bytes, which follow]\n`;
}

/** UTF-8 length of a string without allocating its bytes. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
