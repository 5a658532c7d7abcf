import type { AgentHandle } from "../../agent/test/agent-process";

/**
 * Poll `read` every 100 ms until `ok` holds; on timeout the error shows the last value and the
 * agent's stderr, which is where a partition test's "why" lives. Waiting on state, never on a fixed
 * sleep, keeps these real-process tests honest on a loaded machine.
 */
export async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, agent?: AgentHandle, ms = 40_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(v)}\n${agent?.stderr() ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
