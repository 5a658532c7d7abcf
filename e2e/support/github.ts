/**
 * GitHub for the browser suite: the GitHub API test double (test/harness/github-double.ts, every
 * request and answer held to GitHub's OpenAPI description) with one repository backed by a real
 * bare git repository served on the double's own host, so the factory clones and pushes over HTTP
 * with a token as GitHub takes one, and Ship's merge really merges there.
 *
 * The double lives in the global-setup process; the specs run in workers. They play GitHub's CI and
 * reviewers through a small control server here (loopback, a per-run key): set a check run on a
 * commit, read a branch's head or a PR as the double keeps it, file or edit an issue as a person
 * would on GitHub (and read the webhook payload GitHub would send about it), and read the double's
 * contract problems (a spec asserts none).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { startGithubDouble, type CheckRunSeed, type GithubDouble } from "../../test/harness/github-double";

export const E2E_OWNER = "acme";
export const E2E_REPO = "shop";
/** the check GitHub's branch protection requires on the base branch (the specs play its CI) */
export const E2E_CHECK = "ci";
/**
 * The factory's scripted coding agent for PR jobs: each run appends one line to rounds.txt (so
 * every round leaves a commit to push). The shell engine cannot serve here: it runs the prompt as
 * a bash script, and a follow-up's prompt is the coordinator's markdown (feedback, then the
 * original task), on which bash stops at the first syntax error.
 */
export const E2E_ROUNDS_ENGINE = "e2e-rounds";
const ROUNDS_SCRIPT = 'n=$(( $(cat rounds.txt 2>/dev/null | wc -l) + 1 )); echo "round $n" >> rounds.txt; echo "e2e-rounds: wrote round $n"';
/** The repository's CI, as GitHub would run it on a commit: the greeting needs two rounds. */
const CI_MIN_ROUNDS = 2;

const run = promisify(execFile);

export interface GithubUnderTest {
  double: GithubDouble;
  cloneUrl: string;
  controlUrl: string;
  controlKey: string;
  webhookSecret: string;
  /** what the control plane needs to talk to this GitHub */
  serverEnv: Record<string, string>;
  /** the factory's config file: its own git credential for the double's host (never the coordinator's) */
  agentConfig: string;
  stop(): Promise<void>;
}

type Obj = Record<string, unknown>;
const str = (o: Obj, k: string): string => {
  const v = o[k];
  if (typeof v !== "string" || v === "") throw new Error(`${k}: a non-empty string is required`);
  return v;
};

export async function startGithub(): Promise<GithubUnderTest> {
  const double = await startGithubDouble();
  double.addRepo(E2E_OWNER, E2E_REPO, { git: true, requiredChecks: [E2E_CHECK], mergeMethods: ["squash", "merge"] });
  const cloneUrl = double.cloneUrl(E2E_OWNER, E2E_REPO);
  const controlKey = randomBytes(18).toString("base64url");
  const webhookSecret = randomBytes(18).toString("base64url");

  // the issue as the double holds it, and the `issue`/`repository` fields a webhook about it carries
  const issueAnswer = (number: number) => ({ issue: double.issues.get(E2E_OWNER, E2E_REPO, number), payload: double.issues.payload(E2E_OWNER, E2E_REPO, number, double.url) });

  const control = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body ?? null));
      };
      if (req.headers["x-e2e-key"] !== controlKey) return send(401, { error: "x-e2e-key" });
      try {
        const body = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {}) as Obj;
        const url = new URL(req.url ?? "/", "http://control");
        switch (`${req.method} ${url.pathname}`) {
          case "POST /checks":
            double.setChecks(E2E_OWNER, E2E_REPO, str(body, "sha"), body.runs as CheckRunSeed[]);
            return send(200, { ok: true });
          case "POST /ci": {
            // CI runs on the commit's tree in the repository GitHub holds (async: this process
            // also serves the double, whose git must keep answering).
            const sha = str(body, "sha");
            void run("git", ["show", `${sha}:rounds.txt`], { cwd: double.barePath(E2E_OWNER, E2E_REPO) })
              .then((r) => r.stdout.split("\n").filter(Boolean).length, () => 0)
              .then((rounds) => {
                const conclusion = rounds >= CI_MIN_ROUNDS ? "success" : "failure";
                double.setChecks(E2E_OWNER, E2E_REPO, sha, [{ name: E2E_CHECK, status: "completed", conclusion }]);
                send(200, { conclusion, rounds });
              });
            return;
          }
          case "GET /branch":
            return send(200, { sha: double.branchSha(E2E_OWNER, E2E_REPO, url.searchParams.get("name") ?? "") ?? null });
          case "GET /pull":
            return send(200, double.pullFor(E2E_OWNER, E2E_REPO, url.searchParams.get("branch") ?? "") ?? null);
          case "POST /issues": {
            // a person files an issue on acme/shop
            const labels = body.labels === undefined ? [] : body.labels;
            if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) throw new Error("labels: a list of label names is required");
            const issue = double.issues.create(E2E_OWNER, E2E_REPO, { title: str(body, "title"), body: str(body, "body"), labels: labels as string[] });
            return send(200, issueAnswer(issue.number));
          }
          case "POST /issues/edit": {
            // a person edits the issue's text on GitHub: the issue as GitHub then holds it
            const issue = double.issues.get(E2E_OWNER, E2E_REPO, Number(body.number));
            if (body.title !== undefined) issue.title = str(body, "title");
            if (body.body !== undefined) issue.body = str(body, "body");
            issue.updatedAt = new Date(Math.max(Date.now(), Date.parse(issue.updatedAt) + 1000)).toISOString().replace(/\.\d+Z$/, "Z");
            return send(200, issueAnswer(issue.number));
          }
          case "GET /issue":
            return send(200, issueAnswer(Number(url.searchParams.get("number"))));
          case "GET /problems":
            return send(200, double.problems);
          default:
            return send(404, { error: `no ${req.method} ${url.pathname}` });
        }
      } catch (e) {
        return send(400, { error: (e as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

  return {
    double,
    cloneUrl,
    controlUrl,
    controlKey,
    webhookSecret,
    serverEnv: {
      GITHUB_API_URL: double.url,
      GITHUB_TOKEN: double.token,
      GITHUB_WEBHOOK_SECRET: webhookSecret,
      FLEET_GITHUB_MERGE_METHOD: "squash",
      // The poller is the fallback that refreshes a PR when no webhook says so: short here, so a
      // check set on the double shows on the job page within a second or two.
      FLEET_GITHUB_POLL_MS: "1000",
    },
    // A per-host token for the factory's own git (the host without its port: git's credential
    // lookup, as the agent's delivery tests use it), and the scripted engine.
    agentConfig: JSON.stringify({
      git: { "127.0.0.1": { username: "x-access-token", token: double.token } },
      engines: { [E2E_ROUNDS_ENGINE]: { command: "bash", args: ["-c", ROUNDS_SCRIPT, E2E_ROUNDS_ENGINE], slots: 1 } },
    }),
    async stop() {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await double.close();
    },
  };
}
