import { jobActionCommand } from "./job-action";

export const { usage, run } = jobActionCommand("retry_push");
