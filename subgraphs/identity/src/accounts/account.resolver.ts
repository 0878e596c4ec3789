import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { requireUser } from "@repti/kit";
import type { IdentityContext } from "../context.js";
import { User } from "../users/user.types.js";
import type { AuthResult } from "./account.service.js";
import { AuthPayload, LoginInput, RegisterInput } from "./account.types.js";

function payload(result: AuthResult): AuthPayload {
  return Object.assign(new AuthPayload(), { ...result, tokenType: "Bearer", user: User.from(result.user) });
}

@Resolver()
export class AccountResolver {
  @Mutation(() => AuthPayload, { description: "Create an account and sign in" })
  async register(@Arg("input", () => RegisterInput) input: RegisterInput, @Ctx() { services, client }: IdentityContext): Promise<AuthPayload> {
    return payload(await services.accounts.register(input, client));
  }

  @Mutation(() => AuthPayload, { description: "Sign in; MFA_REQUIRED when the account needs a second factor" })
  async login(@Arg("input", () => LoginInput) input: LoginInput, @Ctx() { services, client }: IdentityContext): Promise<AuthPayload> {
    return payload(await services.accounts.login(input, client));
  }

  @Mutation(() => AuthPayload, { description: "Rotate a refresh token; reusing an old one ends the session" })
  async refreshToken(@Arg("refreshToken", () => String) refreshToken: string, @Ctx() { services, client }: IdentityContext): Promise<AuthPayload> {
    return payload(await services.accounts.refresh(refreshToken, client));
  }

  @Mutation(() => Boolean, { description: "End the session of this refresh token, or else the current one" })
  async logout(
    @Arg("refreshToken", () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() { auth, services }: IdentityContext,
  ): Promise<boolean> {
    if (refreshToken) return services.sessions.endByRefreshToken(refreshToken);
    const { userId, sessionId } = requireUser(auth);
    return services.sessions.end(userId, { sessionId }, "logout");
  }

  @Mutation(() => Boolean, { description: "End every session of yours, this one included" })
  async logoutAll(@Ctx() { auth, services }: IdentityContext): Promise<boolean> {
    await services.sessions.end(requireUser(auth).userId, {}, "logout_all");
    return true;
  }

  @Mutation(() => Boolean, { description: "Change your password; your other sessions end" })
  async changePassword(
    @Arg("currentPassword", () => String) currentPassword: string,
    @Arg("newPassword", () => String) newPassword: string,
    @Ctx() { auth, services }: IdentityContext,
  ): Promise<boolean> {
    await services.accounts.changePassword(auth, currentPassword, newPassword);
    return true;
  }

  @Mutation(() => Boolean, { description: "Mail a reset link; true whether or not the email has an account" })
  async requestPasswordReset(@Arg("email", () => String) email: string, @Ctx() { services, client }: IdentityContext): Promise<boolean> {
    return services.accounts.requestPasswordReset(email, client);
  }

  @Mutation(() => Boolean)
  async resetPassword(
    @Arg("token", () => String) token: string,
    @Arg("newPassword", () => String) newPassword: string,
    @Ctx() { services }: IdentityContext,
  ): Promise<boolean> {
    await services.accounts.resetPassword(token, newPassword);
    return true;
  }

  @Mutation(() => Boolean, { description: "Mail a new verification link" })
  async requestEmailVerification(@Ctx() { auth, services }: IdentityContext): Promise<boolean> {
    return services.accounts.requestEmailVerification(auth);
  }

  @Mutation(() => Boolean)
  async verifyEmail(@Arg("token", () => String) token: string, @Ctx() { services }: IdentityContext): Promise<boolean> {
    await services.accounts.verifyEmail(token);
    return true;
  }
}
