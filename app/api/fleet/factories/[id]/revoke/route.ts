import { revokeFactory } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Revokes the factory's token for good and returns its running work to the queue. */
export const POST = route({
  access: "admin",
  handler: ({ services, params }) => revokeFactory(services.ctx, params.id!),
});
