import { listUsers } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Everyone who can sign in, with their role (the Admin page's users panel). */
export const GET = route({
  access: "admin",
  handler: ({ services }) => listUsers(services.ctx),
});
