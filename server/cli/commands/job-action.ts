import type { JobAction } from "@/lib/api/jobs";
import { parseDuration } from "@/lib/duration";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { amount, needPositional, one, parseFlags, printJson, wholeNumber } from "./flags";

/**
 * `fleet approve|ship|reject|requeue|cancel|pause|resume|retry-push|request-changes ID …`: each
 * operator action on a job is one POST to /jobs/{id}/actions, so every such command is built here
 * from its action name. Several IDs act on each in turn, like the Jobs page's bulk buttons. The API
 * decides (stage machine, gates, role); a refusal prints its reason.
 */
const EXTRA: Partial<Record<JobAction, string>> = {
  ship: "  --override   ship past a failed gate (scope, missing approvals); admin only, needs --reason\n",
  approve: "  --override   approve past a failed gate (the last approval); admin only, needs --reason\n",
  resume:
    "  --budget-usd N     raise the job's dollar ceiling to N (e.g. 5.00)\n" +
    "  --budget-tokens N  raise the token ceiling to N\n" +
    "  --budget-wall D    raise the wall-clock ceiling to D (a duration: 90m, 4h, 1h30m)\n",
  request_changes: "  --reason TEXT is required: the changes to make (the follow-up job's prompt)\n",
};

/** The API takes budget.wall in ms, as a normalized manifest does; people write 4h. */
function wallMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const d = parseDuration(/^\d+$/.test(v) ? Number(v) : v);
  if (!d.ok) throw new CliError(`--budget-wall: ${d.message}`);
  return d.ms;
}

export function jobActionCommand(action: JobAction) {
  const name = action.replace(/_/g, "-");
  const valueFlags = ["--reason", ...(action === "resume" ? ["--budget-usd", "--budget-tokens", "--budget-wall"] : [])];
  const switchFlags = ["--json", ...(action === "ship" || action === "approve" ? ["--override"] : [])];
  const usage = `usage: fleet ${name} ID [ID…] [--reason TEXT]${action === "resume" ? " [--budget-usd N] [--budget-tokens N] [--budget-wall DURATION]" : ""}${switchFlags.includes("--override") ? " [--override]" : ""} [--json]\n${EXTRA[action] ?? ""}  Several IDs: each job is acted on by itself; a refusal names the job and its reason, the rest go on,\n  and the exit code is 1 if any was refused. --json prints the job as the API returns it (a list for several).\n`;
  function run(args: string[], io: CliIo): Promise<number> {
    return guarded(io, async () => {
      const p = parseFlags(args, valueFlags, switchFlags, usage);
      needPositional(p, 0, "ID (the job's id, as `fleet ls` shows it)", usage);
      const ids = [...new Set(p.positional)];
      const reason = one(p, "--reason");
      if (action === "request_changes" && !reason?.trim()) throw new CliError(`--reason is required: say what to change (it becomes the follow-up job's prompt)\n${usage}`);
      const override = p.switches.has("--override");
      if (override && !reason?.trim()) throw new CliError(`--override needs --reason: say why the gate is overridden`);
      const budget = { usd: amount(p, "--budget-usd"), tokens: wholeNumber(p, "--budget-tokens"), wall: wallMs(one(p, "--budget-wall")) };
      const raised = Object.fromEntries(Object.entries(budget).filter(([, v]) => v !== undefined));
      const body = { action, ...(reason ? { reason } : {}), ...(override ? { override: true } : {}), ...(Object.keys(raised).length ? { budget: raised } : {}) };
      const client = clientFrom(io);
      const act = (jobId: string) => client.request<{ id: string; stage: string }>("POST", `/jobs/${encodeURIComponent(jobId)}/actions`, { json: body });
      if (ids.length === 1) {
        const job = await act(ids[0]!);
        if (p.switches.has("--json")) printJson(io, job);
        else io.stdout(`${job.id} ${job.stage}\n`);
        return 0;
      }
      // Several jobs, like the Jobs page's "… selected": each is acted on by itself; a refusal is
      // reported with its own reason and does not stop the rest; the exit code says whether any was refused.
      const done: { id: string; stage: string }[] = [];
      let refused = 0;
      for (const jobId of ids) {
        try {
          done.push(await act(jobId));
          if (!p.switches.has("--json")) io.stdout(`${done.at(-1)!.id} ${done.at(-1)!.stage}\n`);
        } catch (e) {
          if (!(e instanceof CliError)) throw e;
          refused++;
          io.stderr(`fleet ${name} ${jobId}: ${e.message}\n`);
        }
      }
      if (p.switches.has("--json")) printJson(io, done);
      if (refused > 0) {
        io.stderr(`fleet ${name}: ${refused} of ${ids.length} refused\n`);
        return 1;
      }
      return 0;
    });
  }
  return { usage, run };
}
