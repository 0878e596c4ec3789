import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import type { TelemetryContext } from "../context.js";
import { Event, EventConnection, EventFilter } from "./event.types.js";

@Resolver(() => Event)
export class EventResolver {
  @Query(() => EventConnection, { description: "The event log (platform admins), newest first" })
  async events(
    @Arg("filter", () => EventFilter, { nullable: true }) filter: EventFilter | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() { auth, services }: TelemetryContext,
  ): Promise<EventConnection> {
    const page = await services.events.list(auth, filter, first, after);
    const edges = page.records.map((record) => ({ cursor: page.cursorOf(record), node: Event.from(record) }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
