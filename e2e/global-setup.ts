import { startFleet } from "./support/fleet";
import { E2E_ROUNDS_ENGINE, startGithub } from "./support/github";

/**
 * One control plane + one agent for the suite, talking to one GitHub (the API double with a
 * git-served repository); the specs read where they are from the environment.
 */
export default async function globalSetup() {
  const github = await startGithub();
  const fleet = await startFleet({ serverEnv: github.serverEnv, agentConfig: github.agentConfig, engines: `shell:2,${E2E_ROUNDS_ENGINE}:1` }).catch(async (e: unknown) => {
    await github.stop();
    throw e;
  });
  process.env.E2E_URL = fleet.url;
  process.env.E2E_ADMIN_PASSWORD = fleet.adminPassword;
  process.env.E2E_ADMIN_TOKEN = fleet.adminToken;
  process.env.E2E_NEXTAUTH_SECRET = fleet.nextAuthSecret;
  process.env.E2E_FACTORY = fleet.factoryName;
  process.env.E2E_REPO = fleet.repo;
  process.env.E2E_GITHUB_REPO_URL = github.cloneUrl;
  process.env.E2E_GITHUB_CONTROL_URL = github.controlUrl;
  process.env.E2E_GITHUB_CONTROL_KEY = github.controlKey;
  process.env.E2E_GITHUB_WEBHOOK_SECRET = github.webhookSecret;
  return async () => {
    await fleet.stop();
    await github.stop();
  };
}
