/**
 * Turns the structured reasons of an unplaced job into one human sentence, the pending reason a
 * person reads first: "no factory has has:xcode: mac-1 offline, mac-2 draining".
 */
import { satisfies } from "@/lib/capability";
import type { Requirements } from "./requirements";
import type { FactoryEntry } from "./scheduler-index";
import type { FactoryRejection, Reason } from "./types";

export interface RejectionWithStatic extends FactoryRejection {
  staticOk: boolean;
}

function needLabel(req: Requirements): string {
  if (req.caps.length > 0) return req.caps.map((c) => c.canonical).join(" and ");
  return `a ${req.engines.join(" | ")} station`;
}

export function unplacedSentence(
  req: Requirements,
  jobReasons: readonly Reason[],
  rejections: readonly RejectionWithStatic[],
  factories: readonly FactoryEntry[],
): string {
  if (jobReasons.length > 0) return `waiting: ${jobReasons.map((r) => r.detail).join("; ")}`;
  if (factories.length === 0) return "no factories are registered";
  const capable = rejections.filter((r) => r.staticOk);
  if (capable.length > 0) {
    const why = capable.map((r) => r.reasons.map((x) => x.detail).join(", ")).join(", ");
    return `no factory has ${needLabel(req)}: ${why}`;
  }
  const nowhere = req.caps.filter(({ cap }) => !factories.some((f) => satisfies(cap, f.offer.advertised)));
  if (nowhere.length > 0) return `no factory has ${nowhere.map((c) => c.canonical).join(", ")}`;
  if (!factories.some((f) => req.engines.some((e) => f.offer.engines.has(e)))) {
    return `no factory has a station for ${req.engines.join(" | ")}`;
  }
  return `no factory has all of ${needLabel(req)} with a ${req.engines.join(" | ")} station`;
}
