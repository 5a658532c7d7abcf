import "server-only";
import type { Store } from "../port";
import type { EpochMs, Settings } from "../records";

/**
 * The rules of the one settings document. Every change bumps `version`, and each provider applies a
 * change conditionally on the version it read (SQLite: inside BEGIN IMMEDIATE; Cosmos: cas.ts), so
 * two toggles at once never lose a paused product.
 */

export function defaultSettings(): Settings {
  return { killSwitch: { on: false, reason: "", by: "", at: 0 }, pausedProducts: [], version: 0 };
}

export type SettingsChange = (s: Settings) => Settings;

export function planSettings(cur: Settings | undefined, change: SettingsChange): Settings {
  const base = cur ?? defaultSettings();
  return { ...change(base), version: base.version + 1 };
}

export const killSwitchChange = (k: { on: boolean; reason: string; by: string; now: EpochMs }): SettingsChange => (s) => ({
  ...s,
  killSwitch: { on: k.on, reason: k.reason, by: k.by, at: k.now },
});

/** The paused list stays sorted and without repeats, whatever order the toggles came in. */
export const productPausedChange = (productId: string, paused: boolean): SettingsChange => (s) => {
  const others = s.pausedProducts.filter((p) => p !== productId);
  return { ...s, pausedProducts: paused ? [...others, productId].sort() : others };
};

/**
 * The port's settings writes, each one change through the provider's conditional write of the
 * settings document (SQLite: BEGIN IMMEDIATE; Cosmos: cas.ts).
 */
export function settingsWrites(
  change: (c: SettingsChange) => Settings | Promise<Settings>,
): Pick<Store, "setKillSwitch" | "setProductPaused" | "saveOperationsSettings"> {
  return {
    setKillSwitch: async (k) => change(killSwitchChange(k)),
    setProductPaused: async (productId, paused) => change(productPausedChange(productId, paused)),
    saveOperationsSettings: async (operations) => change((s) => ({ ...s, operations })),
  };
}
