import { Field, ID, InputType, ObjectType } from "type-graphql";
import { DateTimeScalar } from "@repti/kit";
import { displayPrefix } from "./api-key.secret.js";
import type { ApiKeyRecord } from "./api-key.store.js";

@ObjectType({ description: "A key for a service or script; its secret is shown once, at creation, and never again" })
export class ApiKey {
  @Field(() => ID, { description: "Also accepted as the OAuth client_id" }) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: "The key's visible start, rpk_<prefix>: tells keys apart; also accepted as the OAuth client_id" })
  prefix!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => ID, { nullable: true, description: "The vivarium the key acts for, if any" }) vivariumId!: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: "Null: never expires" }) expiresAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: "Last exchange for an access token (recorded within seconds)" })
  lastUsedAt!: Date | null;
  @Field(() => DateTimeScalar) createdAt!: Date;

  static from(record: ApiKeyRecord): ApiKey {
    const { id, name, prefix, scopes, vivariumId, expiresAt, lastUsedAt, createdAt } = record;
    return Object.assign(new ApiKey(), { id, name, prefix: displayPrefix(prefix), scopes, vivariumId, expiresAt, lastUsedAt, createdAt });
  }
}

@ObjectType({ description: "A new API key and its secret, shown this once" })
export class CreatedApiKey {
  @Field(() => ApiKey) apiKey!: ApiKey;
  @Field(() => String, { description: "The whole key (rpk_...): send it as `Authorization: Bearer` or `x-api-key`. Store it now." })
  secret!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, { description: "What the key is for (1-100 characters)" }) name!: string;
  @Field(() => [String], { description: "What the key may do; see scopes_supported in /.well-known/openid-configuration" })
  scopes!: string[];
  @Field(() => DateTimeScalar, { nullable: true, description: "When the key stops working; null: never" }) expiresAt?: Date | null;
  @Field(() => ID, { nullable: true, description: "A vivarium the key acts for" }) vivariumId?: string | null;
}
