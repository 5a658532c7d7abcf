import "server-only";
import type { OpCounts, Store } from "./port";
import type { ProviderCore, SharedParts } from "./parts";

/**
 * Joins a provider's core with the shared parts (parts.ts) into one Store, and counts every port
 * call by method name (issue 3: a benchmark reports store operations per job lifecycle). Counting
 * happens at the port, not in the SDK, so both providers count the same thing: one intent = one op,
 * however many round trips the provider needs.
 */
export function countOps(core: ProviderCore, shared: SharedParts): Store {
  let counts: OpCounts = {};
  const wrapper = {
    kind: core.kind,
    opCounts: () => ({ ...counts }),
    resetOpCounts: () => {
      counts = {};
    },
  } as Record<string, unknown>;
  const count = (name: string, self: object, fn: (...a: unknown[]) => unknown) => {
    wrapper[name] = (...args: unknown[]) => {
      counts[name] = (counts[name] ?? 0) + 1;
      return fn.apply(self, args);
    };
  };
  const proto = Object.getPrototypeOf(core) as object;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const fn = (core as unknown as Record<string, unknown>)[name];
    if (name === "constructor" || typeof fn !== "function") continue;
    count(name, core, fn as (...a: unknown[]) => unknown);
  }
  for (const [name, fn] of Object.entries(shared)) {
    // A provider that writes a shared method itself states its rule twice: refuse to open.
    if (name in wrapper) throw new Error(`store provider ${core.kind} restates the shared method ${name}`);
    count(name, shared, fn as (...a: unknown[]) => unknown);
  }
  return wrapper as unknown as Store;
}
