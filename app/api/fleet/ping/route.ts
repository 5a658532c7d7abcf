export const dynamic = "force-dynamic";

/** A no-op route: the baseline of the API benchmark (no auth, no store). */
export function GET() {
  return new Response('{"ok":true}', { headers: { "content-type": "application/json", "cache-control": "no-store, no-transform" } });
}
