/**
 * Flag parsing and output shared by the thin API commands: a flag that needs a value says so by
 * name, unknown flags are refused by name (a typo must not silently do the default), `--json`
 * prints the API's body as it came, and human output is a compact table.
 */
import type { CliIo } from "../io";
import { CliError } from "./api-client";

export interface Parsed {
  positional: string[];
  values: Map<string, string[]>;
  switches: Set<string>;
}

/**
 * `valueFlags` take one value each (repeatable); `switchFlags` take none. Anything else starting with
 * `--` is refused, naming the flag and the ones this command knows.
 */
export function parseFlags(args: string[], valueFlags: string[], switchFlags: string[], usage: string): Parsed {
  const out: Parsed = { positional: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valueFlags.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || (eq < 0 && v.startsWith("--"))) throw new CliError(`${name} needs a value\n${usage}`);
      out.values.set(name, [...(out.values.get(name) ?? []), v]);
    } else if (switchFlags.includes(name) && eq < 0) {
      out.switches.add(name);
    } else {
      const known = [...valueFlags, ...switchFlags];
      throw new CliError(`unknown option ${name}${known.length ? ` (this command takes ${known.join(", ")})` : ""}\n${usage}`);
    }
  }
  return out;
}

export const one = (p: Parsed, flag: string): string | undefined => p.values.get(flag)?.at(-1);

/** A whole non-negative number for `flag`, or a CliError naming it. */
export function wholeNumber(p: Parsed, flag: string): number | undefined {
  const v = one(p, flag);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliError(`${flag} must be a whole number, not "${v}"`);
  return Number(v);
}

/** A non-negative decimal for `flag` (dollars), or a CliError naming it. */
export function amount(p: Parsed, flag: string): number | undefined {
  const v = one(p, flag);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new CliError(`${flag} must be a number like 2.50, not "${v}"`);
  return Number(v);
}

export function needPositional(p: Parsed, index: number, what: string, usage: string): string {
  const v = p.positional[index];
  if (v === undefined || v === "") throw new CliError(`missing ${what}\n${usage}`);
  return v;
}

export function printJson(io: CliIo, body: unknown): void {
  io.stdout(JSON.stringify(body, null, 2) + "\n");
}

/** Rows of cells, padded to the widest cell per column except the last; `empty` when there are none. */
export function printTable(io: CliIo, header: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    io.stdout(`${empty}\n`);
    return;
  }
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  for (const r of all) io.stdout(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd() + "\n");
}
