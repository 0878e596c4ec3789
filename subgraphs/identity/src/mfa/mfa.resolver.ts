import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { IdentityContext } from "../context.js";
import { TotpEnrollment } from "./mfa.types.js";

@Resolver()
export class MfaResolver {
  @Mutation(() => TotpEnrollment, { description: "Start TOTP enrolment" })
  async enrollTotp(@Ctx() { auth, services }: IdentityContext): Promise<TotpEnrollment> {
    return Object.assign(new TotpEnrollment(), await services.mfa.enroll(auth));
  }

  @Mutation(() => [String], { description: "Turn TOTP on with a first code; returns ten recovery codes, shown once" })
  async confirmTotp(@Arg("code", () => String) code: string, @Ctx() { auth, services }: IdentityContext): Promise<string[]> {
    return services.mfa.confirm(auth, code);
  }

  @Mutation(() => Boolean, { description: "Turn TOTP off with a current code or a recovery code" })
  async disableTotp(@Arg("code", () => String) code: string, @Ctx() { auth, services }: IdentityContext): Promise<boolean> {
    await services.mfa.disable(auth, code);
    return true;
  }
}
