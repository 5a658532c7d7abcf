import "server-only";
import type { OpCounts, Store } from "./port";

/**
 * Wraps a provider so that every port call is counted by method name (issue 3: a benchmark reports
 * store operations per job lifecycle). Counting happens at the port, not in the SDK, so both providers
 * count the same thing: one intent = one op, however many round trips the provider needs.
 */
export function countOps(inner: Omit<Store, "opCounts" | "resetOpCounts">): Store {
  let counts: OpCounts = {};
  const wrapper = {
    kind: inner.kind,
    opCounts: () => ({ ...counts }),
    resetOpCounts: () => {
      counts = {};
    },
  } as Record<string, unknown>;
  const proto = Object.getPrototypeOf(inner) as object;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const fn = (inner as unknown as Record<string, unknown>)[name];
    if (name === "constructor" || typeof fn !== "function") continue;
    wrapper[name] = (...args: unknown[]) => {
      counts[name] = (counts[name] ?? 0) + 1;
      return (fn as (...a: unknown[]) => unknown).apply(inner, args);
    };
  }
  return wrapper as unknown as Store;
}
