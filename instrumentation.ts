/**
 * Next's startup hook: open the store and start the sweeper as soon as the server starts, not at
 * the first request, so expired leases are reaped even on an idle control plane.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` runs this hook too (for page generation): the build must touch no data.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startBackground } = await import("./server/wiring");
  await startBackground();
}
