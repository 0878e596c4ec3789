import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { IdentityContext } from "../context.js";
import { ApiKey, CreatedApiKey, CreateApiKeyInput } from "./api-key.types.js";

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => [ApiKey], { description: "Your API keys that are not revoked, newest first (never their secrets)" })
  async apiKeys(@Ctx() { auth, services }: IdentityContext): Promise<ApiKey[]> {
    return (await services.apiKeys.list(auth)).map(ApiKey.from);
  }

  @Mutation(() => CreatedApiKey, { description: "Create an API key; its secret is in the answer and nowhere else" })
  async createApiKey(@Arg("input", () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() { auth, services }: IdentityContext): Promise<CreatedApiKey> {
    const { record, key } = await services.apiKeys.create(auth, input);
    return Object.assign(new CreatedApiKey(), { apiKey: ApiKey.from(record), secret: key });
  }

  @Mutation(() => Boolean, { description: "Revoke one of your API keys; false when it was already revoked" })
  async revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() { auth, services }: IdentityContext): Promise<boolean> {
    return services.apiKeys.revoke(auth, id);
  }
}
