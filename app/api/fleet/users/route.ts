import { listUsers } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { userList } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Everyone who can sign in, with their role (the Admin page's users panel). */
export const GET = route({
  method: "GET",
  path: "/users",
  access: "admin",
  summary: "People who can sign in, with their roles",
  responses: { 200: json(userList, "Users") },
  handler: ({ services }) => listUsers(services.ctx),
});
