import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { trackersView, type TrackersView } from "@/lib/api/trackers";
import { TrackerImport } from "./tracker-import";
import { TrackersList } from "./tracker-panels";

/** The Admin Trackers panel and the form's Import field, rendered as the browser first gets them. */
const view: TrackersView = trackersView.parse({
  at: "2026-12-03T12:00:00.000Z",
  trackers: [
    {
      kind: "github",
      connection: { credential: { name: "GITHUB_TOKEN", state: "set" }, apiUrl: "https://api.github.com", webhookSecret: { name: "GITHUB_WEBHOOK_SECRET", state: "unset" }, health: "failing", lastError: "unavailable: GitHub answered 503" },
      poll: { everyMs: 60_000, scopes: [{ scope: "acme/shop", lastSyncAt: "2026-12-03T11:55:00.000Z", lastError: "rate_limited: wait", waitsUntil: "2026-12-03T12:10:00.000Z" }, { scope: "acme/web" }] },
      webhooks: { last24h: 3, lastAt: "2026-12-03T11:00:00.000Z" },
      outbox: { pending: 2, atLeast: false, oldestPendingAt: "2026-12-03T11:58:00.000Z", oldestPendingAgeMs: 120_000, lastError: "unavailable: GitHub answered 503" },
    },
  ],
  unconfigured: [{ kind: "linear", hint: "set LINEAR_API_KEY to import Linear issues" }],
  outboxPending: 2,
});

describe("the Trackers panel", () => {
  it("shows each tracker's credential only as set, its webhooks, poll scopes and outbox backlog", () => {
    const html = renderToStaticMarkup(<TrackersList view={view} />);
    expect(html).toContain('data-tracker="github"');
    expect(html).toMatch(/data-testid="tracker-credential"[^>]*>set</);
    expect(html).toContain("not set: the webhook answers 503");
    expect(html).toContain("connected, failing");
    expect(html).toMatch(/3 in the last 24h; last <time[^>]*>1h ago</);
    expect(html).toMatch(/2 waiting.*oldest for 2m/);
    expect(html).toMatch(/data-scope="acme\/shop".*5m ago.*rate_limited: wait.*next try after <time[^>]*>12:10:00 UTC/);
    expect(html).toMatch(/data-scope="acme\/web".*never/);
    expect(html).toContain("Linear: not connected — set LINEAR_API_KEY");
  });

  it("says when nothing waits and nothing was ever delivered", () => {
    const quiet = { ...view, trackers: [{ ...view.trackers[0]!, connection: { ...view.trackers[0]!.connection, health: "idle" as const, lastError: undefined }, webhooks: { last24h: 0 }, outbox: { pending: 0, atLeast: false } }] };
    const html = renderToStaticMarkup(<TrackersList view={quiet} />);
    expect(html).toContain("nothing waiting");
    expect(html).toContain("0 in the last 24h; last <span");
    expect(html).toContain("connected, no traffic yet");
    expect(html).not.toContain("tracker-last-error");
  });
});

describe("the Import from tracker field", () => {
  it("is disabled with a hint naming the settings when no tracker is connected", () => {
    const html = renderToStaticMarkup(<TrackerImport trackers={[]} />);
    expect(html).toMatch(/<input[^>]*aria-label="tracker item to import"[^>]*disabled=""/);
    expect(html).toContain("No tracker is connected: set GITHUB_TOKEN");
  });
  it("offers the connected trackers' id forms", () => {
    const html = renderToStaticMarkup(<TrackerImport trackers={["github"]} />);
    expect(html).not.toMatch(/<input[^>]*disabled/);
    expect(html).toContain('placeholder="github:owner/repo#123, or the issue&#x27;s URL"');
    expect(html).toContain("Reads the item from GitHub now");
  });
});
