import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { VivariumRecord } from "./vivarium.store.js";

export enum VivariumRole {
  KEEPER = "KEEPER",
  HANDLER = "HANDLER",
  CURATOR = "CURATOR",
  HERPETOLOGIST = "HERPETOLOGIST",
}
registerEnumType(VivariumRole, {
  name: "VivariumRole",
  description: "Roles in a vivarium, each including the ones before it: viewer, editor, admin, owner",
});

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "An organization of keepers: a breeder, a zoo, a family" })
export class Vivarium {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) slug!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => JSONScalar, { nullable: true }) settings!: unknown;
  @Field(() => String) subscriptionTier!: string;
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => DateTimeScalar) createdAt!: Date;
  ownerUserId!: string;

  static from(record: VivariumRecord): Vivarium {
    return Object.assign(new Vivarium(), {
      id: record.id,
      name: record.name,
      slug: record.slug,
      description: record.description,
      settings: record.settings,
      subscriptionTier: record.subscriptionTier,
      isActive: record.isActive,
      createdAt: record.createdAt,
      ownerUserId: record.ownerUserId,
    });
  }
}
