/**
 * How stages and priorities look. One colour family per meaning so a table reads at a glance:
 * waiting = slate/amber, running = blue, needs a person = violet, good = green, bad = red.
 */
import type { Priority, Stage } from "../types";

export interface BadgeStyle {
  /** background */
  bg: string;
  /** text */
  fg: string;
  label: string;
}

export const STAGE_STYLE: { readonly [S in Stage]: BadgeStyle } = {
  queued: { bg: "#334155", fg: "#e2e8f0", label: "queued" },
  blocked: { bg: "#78350f", fg: "#fde68a", label: "blocked" },
  assigned: { bg: "#1e3a8a", fg: "#bfdbfe", label: "assigned" },
  building: { bg: "#1d4ed8", fg: "#eff6ff", label: "building" },
  review: { bg: "#6d28d9", fg: "#ede9fe", label: "review" },
  testing: { bg: "#0e7490", fg: "#cffafe", label: "testing" },
  shipped: { bg: "#15803d", fg: "#dcfce7", label: "shipped" },
  failed: { bg: "#b91c1c", fg: "#fee2e2", label: "failed" },
  dead_letter: { bg: "#450a0a", fg: "#fca5a5", label: "dead letter" },
  cancelled: { bg: "#3f3f46", fg: "#a1a1aa", label: "cancelled" },
  paused: { bg: "#a16207", fg: "#fef9c3", label: "paused" },
};

export const PRIORITY_STYLE: { readonly [P in Priority]: BadgeStyle } = {
  critical: { bg: "#dc2626", fg: "#ffffff", label: "critical" },
  high: { bg: "#ea580c", fg: "#ffffff", label: "high" },
  medium: { bg: "#475569", fg: "#f1f5f9", label: "medium" },
  low: { bg: "#1f2937", fg: "#9ca3af", label: "low" },
};

const FALLBACK: BadgeStyle = { bg: "#334155", fg: "#e2e8f0", label: "?" };

export function stageStyle(stage: string): BadgeStyle {
  return (STAGE_STYLE as Record<string, BadgeStyle>)[stage] ?? { ...FALLBACK, label: stage };
}

export function priorityStyle(priority: string): BadgeStyle {
  return (PRIORITY_STYLE as Record<string, BadgeStyle>)[priority] ?? { ...FALLBACK, label: priority };
}

/** Sort rank of a priority: critical first. */
export function priorityRank(priority: string): number {
  const order = ["critical", "high", "medium", "low"];
  const i = order.indexOf(priority);
  return i === -1 ? order.length : i;
}
