import "server-only";
import type { Priority } from "@/lib/types";

/** Claim order and the `priority` sort: critical first. Its own module so job-order needs no job rule. */
export const PRIORITY_RANK: { readonly [P in Priority]: number } = { critical: 0, high: 1, medium: 2, low: 3 };
