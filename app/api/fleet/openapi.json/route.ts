import { openApiDocument } from "@/server/http/openapi";

export const dynamic = "force-dynamic";

/** The API description, generated from the same zod schemas the routes parse with. */
export function GET() {
  return Response.json(openApiDocument());
}
