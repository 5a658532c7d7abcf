import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { needPositional, one, parseFlags, printJson, printTable, wholeNumber } from "./flags";

/** `fleet alerts`: the Admin page's alerts panel: sinks, open alerts, deliveries, test and retry. */
export const usage = `usage: fleet alerts [ls] [--json]            sinks, open alerts and the latest deliveries
       fleet alerts test [--json]            send a test alert to every configured sink
       fleet alerts retry DELIVERY [--json]  try an undelivered alert again
       fleet alerts sinks [--webhook-url URL] [--webhook-secret S] [--slack-url URL]
                          [--email ADDR]... [--quiet-ms N] [--json]
  In sinks, an empty value ("") clears that sink; a flag left out keeps it. A webhook is a sink only
  with its secret (16+ characters; it signs X-Fleet-Signature). Admin only.
`;

interface Overview {
  sinks: { webhook: { set: boolean }; slack: { set: boolean }; email: { set: boolean }; quietMs: number };
  open: { kind: string; subject: string; message: string; openedAt: string; notices: number }[];
  deliveries: { id: string; sink?: string; delivered?: boolean; attempts?: number; lastError?: string }[];
  undelivered: number;
}

function human(io: CliIo, o: Overview): void {
  const set = (b: { set: boolean }) => (b.set ? "set" : "-");
  io.stdout(`sinks: webhook ${set(o.sinks.webhook)}  slack ${set(o.sinks.slack)}  email ${set(o.sinks.email)}  quiet ${Math.round(o.sinks.quietMs / 1000)}s\n`);
  printTable(io, ["KIND", "SUBJECT", "SINCE", "NOTICES", "MESSAGE"], o.open.map((a) => [a.kind, a.subject, a.openedAt, `${a.notices}`, a.message]), "no open alerts");
  printTable(
    io,
    ["DELIVERY", "SINK", "STATE", "ATTEMPTS", "ERROR"],
    o.deliveries.map((d) => [d.id, d.sink ?? "-", d.delivered ? "delivered" : "undelivered", `${d.attempts ?? 0}`, d.lastError ?? ""]),
    "no deliveries",
  );
  if (o.undelivered > 0) io.stdout(`${o.undelivered} undelivered: fleet alerts retry DELIVERY\n`);
}

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--webhook-url", "--webhook-secret", "--slack-url", "--email", "--quiet-ms"], ["--json"], usage);
    const [sub = "ls"] = p.positional;
    const client = clientFrom(io);
    const json = p.switches.has("--json");
    switch (sub) {
      case "ls": {
        const o = await client.request<Overview>("GET", "/alerts");
        if (json) printJson(io, o);
        else human(io, o);
        return 0;
      }
      case "test": {
        const r = await client.request<{ sent: { id: string; sink?: string; delivered?: boolean; lastError?: string }[] }>("POST", "/alerts/test");
        if (json) printJson(io, r);
        else printTable(io, ["DELIVERY", "SINK", "STATE", "ERROR"], r.sent.map((d) => [d.id, d.sink ?? "-", d.delivered ? "delivered" : "undelivered", d.lastError ?? ""]), "no sink is configured: fleet alerts sinks --webhook-url URL");
        return 0;
      }
      case "retry": {
        const id = needPositional(p, 1, "DELIVERY (a delivery id, as `fleet alerts` lists them)", usage);
        const d = await client.request<{ id: string; delivered: boolean; attempts: number; lastError?: string }>("POST", `/alerts/deliveries/${encodeURIComponent(id)}/retry`);
        if (json) printJson(io, d);
        else io.stdout(`${d.id} ${d.delivered ? "delivered" : `undelivered after ${d.attempts} attempts${d.lastError ? `: ${d.lastError}` : ""}`}\n`);
        return 0;
      }
      case "sinks": {
        const body: Record<string, unknown> = {};
        const clearable = (flag: string, key: string) => {
          const v = one(p, flag);
          if (v !== undefined) body[key] = v;
        };
        clearable("--webhook-url", "webhookUrl");
        clearable("--webhook-secret", "webhookSecret");
        clearable("--slack-url", "slackUrl");
        const emails = p.values.get("--email");
        if (emails) body.emailTo = emails.filter((e) => e !== "");
        const quiet = wholeNumber(p, "--quiet-ms");
        if (quiet !== undefined) body.quietMs = quiet;
        if (Object.keys(body).length === 0) throw new CliError(`give at least one sink flag to change\n${usage}`);
        const o = await client.request<Overview>("PUT", "/alerts/sinks", { json: body });
        if (json) printJson(io, o);
        else human(io, o);
        return 0;
      }
      default:
        throw new CliError(`unknown subcommand "${sub}" (ls, test, retry, sinks)\n${usage}`);
    }
  });
}
