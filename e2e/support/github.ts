/**
 * GitHub for the browser suite: the GitHub API test double (test/harness/github-double.ts, every
 * request and answer held to GitHub's OpenAPI description) with one repository backed by a real
 * bare git repository served on the double's own host, so the factory clones and pushes over HTTP
 * with a token as GitHub takes one, and Ship's merge really merges there.
 *
 * The double lives in the global-setup process; the specs run in workers. They play GitHub's CI and
 * reviewers through a small control server here (loopback, a per-run key): set a check run on a
 * commit, read a branch's head or a PR as the double keeps it, and read the double's contract
 * problems (a spec asserts none).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startGithubDouble, type CheckRunSeed, type GithubDouble } from "../../test/harness/github-double";

export const E2E_OWNER = "acme";
export const E2E_REPO = "shop";
/** the check GitHub's branch protection requires on the base branch (the specs play its CI) */
export const E2E_CHECK = "ci";

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
          case "GET /branch":
            return send(200, { sha: double.branchSha(E2E_OWNER, E2E_REPO, url.searchParams.get("name") ?? "") ?? null });
          case "GET /pull":
            return send(200, double.pullFor(E2E_OWNER, E2E_REPO, url.searchParams.get("branch") ?? "") ?? null);
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
    // lookup, as the agent's delivery tests use it).
    agentConfig: `git:\n  127.0.0.1:\n    username: x-access-token\n    token: ${double.token}\n`,
    async stop() {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await double.close();
    },
  };
}
