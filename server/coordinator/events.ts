import "server-only";
import type { EventData, EventType, TypedEvent } from "@/lib/events";
import { transitionCause } from "@/lib/stages";
import type { Stage } from "@/lib/types";
import type { NewEvent } from "@/server/store/port";

/**
 * The coordinator's events, built only here: `jobEvent(type, at, data)` checks `data` against the
 * shape lib/events.ts declares for `type` at compile time (an extra, missing or mistyped field is a
 * type error), so what is stored cannot drift from what the UI and the timeline rebuild read.
 * A JobEvent is a NewEvent with a type-level brand; moveJob takes only JobEvents.
 */
declare const checked: unique symbol;
export type JobEvent = NewEvent & { readonly [checked]: true };

export interface EventKey {
  /** the lease the event belongs to */
  leaseId?: string;
  /** with leaseId: the idempotency key of the event within its lease (store: (leaseId, agentSeq)) */
  agentSeq?: number;
}

export function jobEvent<T extends EventType>(type: T, at: number, data: EventData<T>, key: EventKey = {}): JobEvent {
  return { type, at, data, ...key } as NewEvent as JobEvent;
}

/** A typed event already checked by its producer (an agent's short form through typedFromAgent). */
export function fromTyped(e: TypedEvent, at: number, key: EventKey = {}): JobEvent {
  return { type: e.type, at, data: e.data, ...key } as NewEvent as JobEvent;
}

/**
 * The verify result of one attempt is reported twice by the agent: as a `verify` event as soon as
 * it ran (the live timeline) and again in its complete (the input of the stage decision). Both are
 * stored under this reserved key of the lease (agent seqs start at 1, lib/protocol), so the store's
 * (leaseId, agentSeq) idempotency keeps exactly one verify event per attempt, whichever arrives first,
 * without reading the event log back on each completion.
 */
export const VERIFY_AGENT_SEQ = 0;

export function verifyEvent(leaseId: string, at: number, v: { passed: boolean; exitCode: number | null; output: string }): JobEvent {
  return jobEvent(v.passed ? "verify:passed" : "verify:failed", at, { exitCode: v.exitCode, output: v.output }, { leaseId, agentSeq: VERIFY_AGENT_SEQ });
}

export function stageChanged(from: Stage, to: Stage, at: number, by?: string, cause?: string): JobEvent {
  return jobEvent("stage:changed", at, { from, to, cause: cause ?? transitionCause(from, to) ?? "", ...(by ? { by } : {}) });
}

/** One `stage:changed` per hop (building → review → testing); the last hop carries `cause`. */
export function stageHops(from: Stage, via: readonly Stage[], to: Stage, at: number, by: string, cause?: string): JobEvent[] {
  const out: JobEvent[] = [];
  let hopFrom = from;
  for (const next of [...via, to]) {
    out.push(stageChanged(hopFrom, next, at, by, next === to ? cause : undefined));
    hopFrom = next;
  }
  return out;
}
