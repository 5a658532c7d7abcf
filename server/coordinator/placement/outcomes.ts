import "server-only";
import type { CoordinatorContext } from "../context";

/**
 * An attempt ended on `factoryId`. Only a timeout counts against the factory's health: a non-zero
 * exit is usually the job's own failure, and counting it would make every factory that ran a bad
 * job look sick and defer the queue to whichever factory happened to run none.
 */
export function noteAttemptEnd(ctx: CoordinatorContext, factoryId: string, outcome: string, now: number): void {
  if (outcome === "timeout") ctx.placement.failures.note(factoryId, now);
}
