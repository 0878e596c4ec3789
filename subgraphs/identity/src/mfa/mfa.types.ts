import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "A TOTP secret to add to an authenticator app; confirm it with a first code" })
export class TotpEnrollment {
  @Field(() => String, { description: "Base32 secret, for manual entry" }) secret!: string;
  @Field(() => String, { description: "otpauth:// URI, for a QR code" }) otpauthUri!: string;
}
