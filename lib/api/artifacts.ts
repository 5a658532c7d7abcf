import { z } from "zod";

/**
 * `{id}/artifacts/{name}`: the name is one path segment, its slashes URL-encoded. Decoded here when
 * the server hands it over still encoded (a valid name never holds `%`, so decoding is never doubled);
 * its rules are checked by the artifact service, whose errors name `name`.
 */
export const artifactParams = z.object({
  id: z.string().min(1, "id is empty").max(512, "id is longer than 512 characters"),
  name: z
    .string()
    .min(1, "name is empty")
    .max(1024, "name is longer than 1024 characters")
    .transform((v) => {
      if (!v.includes("%")) return v;
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }),
});
