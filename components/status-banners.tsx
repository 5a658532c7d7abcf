"use client";
/**
 * Banners on every page: the kill switch while it is on (red, cannot be missed), paused products,
 * and alerts from `/stats` (stalled jobs, failure spikes, budget breaches, offline factories, dead
 * letters) as a collapsible inbox. Polls; the first read happens on mount.
 */
import { useEffect, useState } from "react";
import { ALERT_LABEL, alertLink } from "@/lib/ui/alerts";
import type { AlertView, KillSwitchState } from "@/lib/ui/api-types";
import { getJson } from "./api-client";

interface StatsLike {
  killSwitch?: KillSwitchState;
  pausedProducts?: string[];
  alerts?: AlertView[];
}

export function StatusBanners({ pollMs = 5000 }: { pollMs?: number }) {
  const [kill, setKill] = useState<KillSwitchState | null>(null);
  const [paused, setPaused] = useState<string[]>([]);
  const [alerts, setAlerts] = useState<AlertView[]>([]);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    let stopped = false;
    const read = async () => {
      const [stats, ks] = await Promise.all([
        getJson<StatsLike>("/api/fleet/stats").catch(() => ({}) as StatsLike),
        getJson<KillSwitchState>("/api/fleet/kill-switch").catch(() => null),
      ]);
      if (stopped) return;
      setKill(ks ?? stats.killSwitch ?? null);
      setPaused(stats.pausedProducts ?? []);
      setAlerts(Array.isArray(stats.alerts) ? stats.alerts : []);
    };
    void read();
    const t = setInterval(() => void read(), pollMs);
    // Admin actions announce themselves so the banner follows at once, not at the next poll.
    const onChange = () => void read();
    window.addEventListener("fleet:settings-changed", onChange);
    return () => {
      stopped = true;
      clearInterval(t);
      window.removeEventListener("fleet:settings-changed", onChange);
    };
  }, [pollMs]);

  return (
    <>
      {kill?.on && (
        <div className="banner kill" role="alert" data-testid="kill-switch-banner">
          KILL SWITCH ON: no factory claims new work.{kill.reason ? ` Reason: ${kill.reason}.` : ""}
          {kill.by ? <span style={{ fontWeight: 400 }}> Set by {kill.by}.</span> : null}
        </div>
      )}
      {paused.length > 0 && (
        <div className="banner info" role="status">
          Paused products: {paused.join(", ")}
        </div>
      )}
      {alerts.length > 0 && (
        <div className="banner alert" role="status" aria-label="alerts">
          <button type="button" onClick={() => setOpen(!open)} aria-expanded={open} aria-controls="alert-inbox">
            {alerts.length} alert{alerts.length > 1 ? "s" : ""}
          </button>
          {!open && <AlertLine alert={alerts[0]!} />}
          {open && (
            <ul id="alert-inbox" aria-label="alert inbox" style={{ margin: 0 }}>
              {alerts.map((a) => (
                <li key={`${a.kind}:${a.subject}`}>
                  <AlertLine alert={a} />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}

function AlertLine({ alert }: { alert: AlertView }) {
  const link = alertLink(alert);
  return (
    <span>
      <strong>{ALERT_LABEL[alert.kind] ?? alert.kind}</strong> {alert.message}{" "}
      <a href={link.href} style={{ color: "inherit" }}>
        {link.text}
      </a>
    </span>
  );
}
