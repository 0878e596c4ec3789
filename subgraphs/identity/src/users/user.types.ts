import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import type { UserRecord } from "./user.store.js";

export enum PlatformRole {
  USER = "USER",
  ADMIN = "ADMIN",
}
registerEnumType(PlatformRole, { name: "PlatformRole", description: "Platform-wide role: ADMIN is ReptiDex staff" });

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A ReptiDex account" })
export class User {
  @Field(() => ID) id!: string;
  @Field(() => String) email!: string;
  @Field(() => String, { nullable: true }) firstName!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => Boolean) emailVerified!: boolean;
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => PlatformRole) platformRole!: PlatformRole;
  @Field(() => Boolean) mfaEnabled!: boolean;
  @Field(() => DateTimeScalar) createdAt!: Date;

  static from(record: UserRecord): User {
    return Object.assign(new User(), {
      id: record.id,
      email: record.email,
      firstName: record.firstName,
      lastName: record.lastName,
      emailVerified: record.emailVerifiedAt !== null,
      isActive: record.isActive,
      platformRole: record.platformRole as PlatformRole,
      mfaEnabled: record.mfaEnabled,
      createdAt: record.createdAt,
    });
  }
}

@InputType({ description: "Fields of your own profile; an omitted field stays as it is, an empty one is cleared" })
export class UpdateProfileInput {
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
}

@ObjectType()
export class UserEdge {
  @Field(() => String) cursor!: string;
  @Field(() => User) node!: User;
}

@ObjectType()
export class UserPageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType({ description: "Users in email order" })
export class UserConnection {
  @Field(() => [UserEdge]) edges!: UserEdge[];
  @Field(() => UserPageInfo) pageInfo!: UserPageInfo;
}
