import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "@repti/kit";
import type { ViewedVivarium } from "./vivarium.store.js";

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
@ObjectType({ description: "An organization of keepers: a breeder, a zoo, a family. Visible to its members only." })
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
  /** The caller's own role here: every vivarium a caller sees is one they belong to. */
  viewerRole!: VivariumRole;

  static from({ vivarium, viewerRole }: ViewedVivarium): Vivarium {
    return Object.assign(new Vivarium(), {
      id: vivarium.id,
      name: vivarium.name,
      slug: vivarium.slug,
      description: vivarium.description,
      settings: vivarium.settings,
      subscriptionTier: vivarium.subscriptionTier,
      isActive: vivarium.isActive,
      createdAt: vivarium.createdAt,
      ownerUserId: vivarium.ownerUserId,
      viewerRole: viewerRole as VivariumRole,
    });
  }
}

@InputType({ description: "A new vivarium; you become its HERPETOLOGIST and owner" })
export class CreateVivariumInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true, description: "3-48 lower-case letters, digits and hyphens; made from the name when absent" })
  slug?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "Any JSON object (up to 16 KiB), for the web app" }) settings?: unknown;
}

@InputType({ description: "Changes to a vivarium; absent fields stay as they are" })
export class UpdateVivariumInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) slug?: string | null;
  @Field(() => String, { nullable: true, description: "Null or blank clears it" }) description?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "Replaces the settings; null clears them" }) settings?: unknown;
}
