import { Field, InputType, Int, ObjectType } from "type-graphql";
import { User } from "../users/user.types.js";

@ObjectType({ description: "Tokens of a new or refreshed session" })
export class AuthPayload {
  @Field(() => String, { description: "JWT (RFC 9068), valid for expiresIn seconds" }) accessToken!: string;
  @Field(() => String, { description: "Opaque; rotates on every refresh" }) refreshToken!: string;
  @Field(() => Int) expiresIn!: number;
  @Field(() => String) tokenType!: string;
  @Field(() => User) user!: User;
}

@InputType()
export class RegisterInput {
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
}

@InputType()
export class LoginInput {
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
  @Field(() => String, { nullable: true, description: "Authenticator code or recovery code, when MFA is on" }) totpCode?: string | null;
}
