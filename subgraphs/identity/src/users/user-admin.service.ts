import { DomainError, isUuid, requireUser, type AuthContext, type Outbox, type Transaction } from "@repti/kit";
import type { ApiKeyService } from "../api-keys/api-key.service.js";
import type { IdentityTables } from "../db/schema.js";
import type { SessionService } from "../sessions/session.service.js";
import type { UserRecord, UserStore } from "./user.store.js";

/**
 * Platform admins switching accounts off and on, and deleting them. Switching off ends every session and revokes
 * every API key at once (their access tokens go on the revocation list), so the account stops acting
 * immediately, not when its tokens expire. Other subgraphs follow through `auth.user.updated` (isActive) and
 * `auth.user.deleted`: vivarium takes the account out of its vivariums.
 */
export class UserAdminService {
  constructor(
    private readonly deps: { users: UserStore; sessions: SessionService; apiKeys: ApiKeyService; outbox: Outbox },
  ) {}

  async deactivate(auth: AuthContext, id: string): Promise<UserRecord> {
    const target = await this.target(auth, id, "deactivate");
    if (!target.isActive) return target;
    return this.switchOff(target.id, async (tx, now) => {
      const user = (await this.deps.users.update(tx, target.id, { isActive: false }))!;
      await this.deps.outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: user.id, payload: { userId: user.id, changed: ["isActive"], isActive: false } });
      await this.deps.sessions.endSessions(tx, { userId: user.id }, "account_deactivated", user.id, now);
      return user;
    });
  }

  /** Lets the account sign in again; its ended sessions and revoked keys stay ended. */
  async reactivate(auth: AuthContext, id: string): Promise<UserRecord> {
    const target = await this.target(auth, id, "reactivate");
    if (target.isActive) return target;
    return this.deps.users.transaction(async (tx) => {
      const user = (await this.deps.users.update(tx, target.id, { isActive: true }))!;
      await this.deps.outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: user.id, payload: { userId: user.id, changed: ["isActive"], isActive: true } });
      return user;
    });
  }

  async delete(auth: AuthContext, id: string): Promise<true> {
    const target = await this.target(auth, id, "delete");
    await this.switchOff(target.id, async (tx, now) => {
      await this.deps.sessions.endSessions(tx, { userId: target.id }, "account_deleted", target.id, now);
      await this.deps.users.delete(tx, target.id);
      await this.deps.outbox.enqueue(tx, { type: "auth.user.deleted", aggregateId: target.id, payload: { userId: target.id } });
    });
    return true;
  }

  /** Platform admins only, never on themselves (no admin locks the platform out by accident). */
  private async target(auth: AuthContext, id: string, action: string): Promise<UserRecord> {
    const caller = requireUser(auth);
    if (caller.platformRole !== "ADMIN") throw new DomainError("FORBIDDEN", `Only platform admins may ${action} accounts`);
    if (caller.userId === id) throw new DomainError("FORBIDDEN", `You cannot ${action} your own account`);
    const [user] = isUuid(id) ? await this.deps.users.findByIds([id]) : [];
    if (!user) throw new DomainError("NOT_FOUND", "User not found");
    return user;
  }

  /** Runs the change with the user's API keys revoked in the same transaction, then forgets their tokens. */
  private async switchOff<T>(userId: string, change: (tx: Transaction<IdentityTables>, now: Date) => Promise<T>): Promise<T> {
    const now = new Date();
    const { result, keyIds } = await this.deps.users.transaction(async (tx) => {
      const keyIds = await this.deps.apiKeys.revokeAllOf(tx, userId, now);
      return { result: await change(tx, now), keyIds };
    });
    await this.deps.apiKeys.forgetTokens(keyIds);
    return result;
  }
}
