/**
 * Polls `read` until `check` holds, every 100 ms, at most `tries` times; throws naming `what` and the
 * last value seen. A bound on tries, not a timed assertion: a slow machine only waits longer.
 */
export async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, tries = 400): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !check(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  if (!check(v)) throw new Error(`${what}: last seen ${JSON.stringify(v)}`);
  return v;
}
