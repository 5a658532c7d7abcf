import { openApiView, type OpenApiView } from "@/lib/api/system";
import { openApiDocument } from "@/server/http/openapi";
import { route, type RouteHandler } from "@/server/http/route";
import { json } from "@/server/http/spec";
import { routeSpecs } from "./routes";

export const dynamic = "force-dynamic";

let cached: OpenApiView | undefined;

/** The API description, generated from the route specs themselves (server/http/openapi.ts). */
export const GET: RouteHandler = route({
  method: "GET",
  path: "/openapi.json",
  access: "public",
  summary: "This document",
  store: false,
  responses: { 200: json(openApiView, "The OpenAPI 3.1 document") },
  handler: () => (cached ??= openApiDocument([...routeSpecs(), GET.spec])),
});
