import "server-only";

/** The retry policy's pure decisions live in lib/retry.ts: the agent's folder queue applies the same ones. */
export * from "@/lib/retry";
