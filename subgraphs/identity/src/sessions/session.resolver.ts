import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { requireUser } from "@repti/kit";
import type { IdentityContext } from "../context.js";
import { Session } from "./session.types.js";

@Resolver(() => Session)
export class SessionResolver {
  @Query(() => [Session], { description: "Your active sessions, most recently used first" })
  async sessions(@Ctx() { auth, services }: IdentityContext): Promise<Session[]> {
    const { userId, sessionId } = requireUser(auth);
    return (await services.sessions.list(userId)).map((session) => Session.from(session, sessionId));
  }

  @Mutation(() => Boolean, { description: "End one of your sessions" })
  async revokeSession(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: IdentityContext): Promise<boolean> {
    return services.sessions.endOwn(requireUser(auth).userId, id, "revoked");
  }
}
