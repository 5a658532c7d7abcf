/** The agent's version, reported at registration. Kept in step with agent/package.json by hand. */
export const AGENT_VERSION = "0.1.0";
