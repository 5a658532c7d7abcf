/** Free stations: per-engine slots minus what runs on that engine, capped by what --max leaves overall. */
import type { Station } from "@/lib/protocol";

export function freeStations(stations: Station[], running: ReadonlyMap<string, number>, max: number): Station[] {
  const total = [...running.values()].reduce((a, b) => a + b, 0);
  const left = Math.max(0, max - total);
  return stations
    .map((s) => ({ engine: s.engine, slots: Math.min(Math.max(0, s.slots - (running.get(s.engine) ?? 0)), left) }))
    .filter((s) => s.slots > 0);
}
