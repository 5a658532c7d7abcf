import { z } from "zod";

/** A path segment naming a job, factory, lease, token, user or product (user ids are e-mails). */
const segment = (what: string) => z.string().min(1, `${what} is empty`).max(512, `${what} is longer than 512 characters`);

export const idParams = z.object({ id: segment("id") });
export const nameParams = z.object({ name: segment("name") });
