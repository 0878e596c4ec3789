import { Field, ID, InputType, ObjectType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { EventRecord } from "./event.store.js";

@ObjectType({ description: "A domain event announced by a subgraph" })
export class Event {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "Dotted name, e.g. org.member.added" }) type!: string;
  @Field(() => String, { description: "The subgraph that announced it" }) source!: string;
  @Field(() => String, { nullable: true }) aggregateId!: string | null;
  @Field(() => JSONScalar) payload!: unknown;
  @Field(() => DateTimeScalar) occurredAt!: Date;

  static from(record: EventRecord): Event {
    return Object.assign(new Event(), {
      id: record.id,
      type: record.type,
      source: record.source,
      aggregateId: record.aggregateId,
      payload: record.payload,
      occurredAt: record.occurredAt,
    });
  }
}

@InputType()
export class EventFilter {
  @Field(() => [String], { nullable: true }) types?: string[] | null;
  @Field(() => String, { nullable: true }) source?: string | null;
  @Field(() => String, { nullable: true }) aggregateId?: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) from?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) to?: Date | null;
}

@ObjectType()
export class EventEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Event) node!: Event;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType({ description: "Events, newest first" })
export class EventConnection {
  @Field(() => [EventEdge]) edges!: EventEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
