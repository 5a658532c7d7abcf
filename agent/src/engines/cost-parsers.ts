/**
 * Token/cost accounting from an engine's JSON output, one stdout line at a time. Each parser
 * returns the increment that line adds (or undefined), so the agent can send `cost` events as they
 * happen and a total at completion. Only lines that are final per turn are counted, never both a
 * per-message and a per-result figure, so nothing is counted twice.
 */
import type { CostReport } from "@/lib/protocol";
import type { OutputParser } from "./engine-config";

type Json = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);
const int = (v: unknown): number | undefined => {
  const n = num(v);
  return n === undefined ? undefined : Math.round(n);
};

function clean(c: CostReport): CostReport | undefined {
  const out: CostReport = {};
  if (c.usd !== undefined) out.usd = c.usd;
  if (c.tokensIn !== undefined) out.tokensIn = c.tokensIn;
  if (c.tokensOut !== undefined) out.tokensOut = c.tokensOut;
  return Object.keys(out).length ? out : undefined;
}

/** claude -p --output-format stream-json: the final `result` event carries the run's totals. */
function claude(o: Json): CostReport | undefined {
  if (o.type !== "result") return undefined;
  const u = (o.usage ?? {}) as Json;
  const tokensIn = [u.input_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens].map(int).reduce<number | undefined>(
    (a, b) => (b === undefined ? a : (a ?? 0) + b),
    undefined,
  );
  return clean({ usd: num(o.total_cost_usd) ?? num(o.cost_usd), tokensIn, tokensOut: int(u.output_tokens) });
}

/** codex exec --json: each `turn.completed` carries that turn's usage. */
function codex(o: Json): CostReport | undefined {
  if (o.type !== "turn.completed") return undefined;
  const u = (o.usage ?? {}) as Json;
  return clean({ tokensIn: int(u.input_tokens), tokensOut: int(u.output_tokens) });
}

/** gemini --output-format stream-json: the `result` event carries aggregated stats. */
function gemini(o: Json): CostReport | undefined {
  if (o.type !== "result") return undefined;
  const s = (o.stats ?? {}) as Json;
  return clean({ tokensIn: int(s.input_tokens ?? s.inputTokens), tokensOut: int(s.output_tokens ?? s.outputTokens) });
}

export function parseCostLine(parser: OutputParser, line: string): CostReport | undefined {
  if (parser === "text") return undefined;
  const t = line.trim();
  if (!t.startsWith("{")) return undefined;
  let o: Json;
  try {
    o = JSON.parse(t) as Json;
  } catch {
    return undefined;
  }
  if (typeof o !== "object" || o === null) return undefined;
  switch (parser) {
    case "claude":
      return claude(o);
    case "codex":
      return codex(o);
    case "gemini":
      return gemini(o);
  }
}

export function addCost(total: CostReport, inc: CostReport): CostReport {
  const out: CostReport = { ...total };
  if (inc.usd !== undefined) out.usd = (out.usd ?? 0) + inc.usd;
  if (inc.tokensIn !== undefined) out.tokensIn = (out.tokensIn ?? 0) + inc.tokensIn;
  if (inc.tokensOut !== undefined) out.tokensOut = (out.tokensOut ?? 0) + inc.tokensOut;
  return out;
}
