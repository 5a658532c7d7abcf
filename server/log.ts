import "server-only";
import pino from "pino";

/** The one structured logger of the control plane (no console.log in server/ or app/api/). */
export const log = pino({
  level: process.env.LOG_LEVEL || "info",
  base: { service: "gigafactory" },
});
