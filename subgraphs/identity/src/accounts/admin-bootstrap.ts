import { randomBytes } from "node:crypto";
import { normalizeEmail, type Outbox } from "@repti/kit";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { PasswordPolicy } from "../passwords/password-policy.js";
import type { UserStore } from "../users/user.store.js";

export interface AdminBootstrapResult {
  userId: string;
  created: boolean;
  /** Set when the password was generated here: shown once to the operator, never stored in the clear. */
  generatedPassword?: string;
}

/**
 * Makes a platform ADMIN: creates the account, or promotes an existing one. This is an operator action (a
 * command run against the database), never reachable through the API.
 */
export async function bootstrapAdmin(
  deps: { users: UserStore; hasher: PasswordHasher; policy: PasswordPolicy; outbox: Outbox },
  rawEmail: string,
  password: string | undefined,
): Promise<AdminBootstrapResult> {
  const email = normalizeEmail(rawEmail);
  const generatedPassword = password ? undefined : randomBytes(18).toString("base64url");
  const chosen = password ?? generatedPassword!;
  deps.policy.check(chosen, { email });
  const passwordHash = await deps.hasher.hash(chosen);
  const existing = await deps.users.findByEmail(email);
  return deps.users.transaction(async (tx) => {
    if (existing) {
      await deps.users.update(tx, existing.id, { platformRole: "ADMIN", ...(password ? { passwordHash, passwordChangedAt: new Date() } : {}) });
      await deps.outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: existing.id, payload: { userId: existing.id, changed: ["platformRole"] } });
      return { userId: existing.id, created: false };
    }
    const user = await deps.users.insert(tx, { email, passwordHash, platformRole: "ADMIN", emailVerifiedAt: new Date(), passwordChangedAt: new Date() });
    if (!user) throw new Error(`${email} was created concurrently; run the command again to promote it`);
    await deps.outbox.enqueue(tx, { type: "auth.user.created", aggregateId: user.id, payload: { userId: user.id, email, emailVerified: true, platformRole: "ADMIN" } });
    return { userId: user.id, created: true, ...(generatedPassword ? { generatedPassword } : {}) };
  });
}
