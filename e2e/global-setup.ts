import { startFleet } from "./support/fleet";

/** One control plane + one agent for the suite; the specs read where they are from the environment. */
export default async function globalSetup() {
  const fleet = await startFleet();
  process.env.E2E_URL = fleet.url;
  process.env.E2E_ADMIN_PASSWORD = fleet.adminPassword;
  process.env.E2E_ADMIN_TOKEN = fleet.adminToken;
  process.env.E2E_NEXTAUTH_SECRET = fleet.nextAuthSecret;
  process.env.E2E_FACTORY = fleet.factoryName;
  process.env.E2E_REPO = fleet.repo;
  return async () => {
    await fleet.stop();
  };
}
