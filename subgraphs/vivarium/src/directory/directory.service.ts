import type { EventBus, EventEnvelope, Logger } from "@repti/kit";
import type { Tenancy } from "../db/tenancy.js";
import type { MemberService } from "../members/member.service.js";
import type { DirectoryChanges, DirectoryStore } from "./directory.store.js";

/** identity's account events this subgraph follows. */
export const accountEvents = {
  created: "auth.user.created",
  updated: "auth.user.updated",
  deleted: "auth.user.deleted",
} as const;

/**
 * What identity announces about an account. `created` carries the email; `updated` names what changed in `changed`
 * and carries the new values of `email`, `emailVerified` and `isActive` when they changed. identity only ever
 * verifies an address (there is no way back to unverified), so an `emailVerified` change without a value means it
 * is verified now.
 */
interface AccountPayload {
  userId?: unknown;
  email?: unknown;
  emailVerified?: unknown;
  isActive?: unknown;
  changed?: unknown;
}

/**
 * Keeps the directory of accounts (find a user by email, match an invitation's address) from identity's events, and
 * takes accounts that are deleted or deactivated out of their vivariums. Platform work: it runs as the owner, outside
 * row-level security. Every handler is idempotent, since the bus delivers at least once.
 */
export class DirectoryService {
  constructor(
    private readonly deps: { tenancy: Tenancy; store: DirectoryStore; members: MemberService; log: Logger },
  ) {}

  follow(bus: EventBus): () => void {
    return bus.subscribe((event) => this.apply(event), { types: Object.values(accountEvents) });
  }

  async apply(event: EventEnvelope): Promise<void> {
    const payload = (event.payload ?? {}) as AccountPayload;
    const userId = typeof payload.userId === "string" ? payload.userId : undefined;
    if (!userId) {
      this.deps.log.warn({ eventId: event.id, type: event.type }, "account event without a userId; ignored");
      return;
    }
    const { tenancy, store, members } = this.deps;
    switch (event.type) {
      case accountEvents.created:
        if (typeof payload.email !== "string") return;
        await tenancy.asPlatform((tx) => store.upsert(tx, { userId, email: payload.email as string, emailVerified: payload.emailVerified === true }));
        return;
      case accountEvents.updated: {
        const changed: unknown[] = Array.isArray(payload.changed) ? payload.changed : [];
        const changes: DirectoryChanges = {};
        if (changed.includes("email") && typeof payload.email === "string") {
          changes.email = payload.email;
          changes.emailVerified = payload.emailVerified === true;
        }
        if (changed.includes("emailVerified")) changes.emailVerified = payload.emailVerified !== false;
        if (changed.includes("isActive") && typeof payload.isActive === "boolean") changes.isActive = payload.isActive;
        if (Object.keys(changes).length > 0) await tenancy.asPlatform((tx) => store.update(tx, userId, changes));
        if (changes.isActive === false) await members.departAccount(userId, "account deactivated");
        return;
      }
      case accountEvents.deleted:
        await members.departAccount(userId, "account deleted");
        await tenancy.asPlatform((tx) => store.delete(tx, userId));
        return;
    }
  }
}
