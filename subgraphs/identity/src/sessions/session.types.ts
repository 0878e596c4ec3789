import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import type { SessionRecord } from "./session.store.js";

@ObjectType({ description: "A signed-in device" })
export class Session {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => String, { nullable: true }) ipAddress!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) lastUsedAt!: Date;
  @Field(() => DateTimeScalar) expiresAt!: Date;
  @Field(() => Boolean, { description: "The session of the token making this request" }) current!: boolean;

  static from(record: SessionRecord, currentSessionId: string): Session {
    const { id, userAgent, ipAddress, createdAt, lastUsedAt, expiresAt } = record;
    return Object.assign(new Session(), { id, userAgent, ipAddress, createdAt, lastUsedAt, expiresAt, current: id === currentSessionId });
  }
}
