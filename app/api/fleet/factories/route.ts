import { registerRequest } from "@/lib/protocol";
import { listFactories, registerFactory } from "@/server/coordinator";
import { reply, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  handler: ({ services }) => listFactories(services.ctx),
});

/** Enrollment: the enrollment token registers a machine and gets back its own factory token. */
export const POST = route({
  access: "enrollment",
  body: registerRequest,
  handler: async ({ services, body }) => reply(201, await registerFactory(services.ctx, body)),
});
