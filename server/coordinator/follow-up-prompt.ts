import "server-only";
import type { JobDelivery, JobRecord } from "@/server/store/records";
import type { FollowUpReason } from "./follow-ups";

/**
 * The prompt of a follow-up job: what to fix (the failure output or the review comments), where
 * (the branch, checked out at its pushed head), and what the job was for (the parent's prompt,
 * summarised). Both texts come from outside (a job's prompt, a check's output, a reviewer), so each
 * is bounded; the prompt says plainly which part is feedback and which is the original task.
 */
export const FEEDBACK_CHARS = 8_000;
export const SUMMARY_CHARS = 4_000;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters cut)`);

export function followUpPrompt(parent: JobRecord, d: JobDelivery, f: { reason: FollowUpReason; headSha: string; feedback: string; round: number; operator?: boolean }): string {
  const what =
    f.reason === "checks_failed"
      ? "The pull request's checks failed"
      : f.operator
        ? "An operator requested changes"
        : "A reviewer requested changes";
  const pr = d.pr ? ` (pull request #${d.pr.number}: ${d.pr.url})` : "";
  return [
    `# ${f.reason === "checks_failed" ? "Fix the failing checks" : "Address the requested changes"} of ${parent.title}`.slice(0, 500),
    "",
    `You are continuing job ${parent.id} on branch \`${d.branch}\`${pr}. The checkout is at its pushed head ${f.headSha}; build on it, commit, and the branch is pushed again. This is follow-up round ${f.round}.`,
    "",
    `## What needs fixing`,
    "",
    `${what} on ${f.headSha.slice(0, 12)}:`,
    "",
    clip(f.feedback.trim() || "(no details were given)", FEEDBACK_CHARS),
    "",
    `## The original task (job ${parent.id})`,
    "",
    clip(parent.body.trim(), SUMMARY_CHARS),
    "",
  ].join("\n");
}
