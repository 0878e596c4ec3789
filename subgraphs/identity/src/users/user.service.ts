import type DataLoader from "dataloader";
import { DomainError, isUuid, loaderByKey, requireUser, type AuthContext, type Outbox } from "@repti/kit";
import type { UserRecord, UserStore } from "./user.store.js";

export type UserLoader = DataLoader<string, UserRecord | null>;

export interface ProfileChanges {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
}

const maxNameLength = 100;

/** Trims a name; blank becomes null (cleared), absent stays absent (unchanged). */
function normaliseName(field: string, value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed.length > maxNameLength) throw new DomainError("BAD_USER_INPUT", `${field} is longer than ${maxNameLength} characters`, { field });
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new DomainError("BAD_USER_INPUT", `${field} contains control characters`, { field });
  return trimmed === "" ? null : trimmed;
}

/** Accounts: who may see whom, and changes to one's own profile. */
export class UserService {
  constructor(
    private readonly store: UserStore,
    private readonly outbox: Outbox,
  ) {}

  /** Changes the caller's names; the change and its `auth.user.updated` event commit together. */
  async updateProfile(auth: AuthContext, changes: ProfileChanges): Promise<UserRecord> {
    const { userId } = requireUser(auth);
    const update: ProfileChanges = {};
    const firstName = normaliseName("firstName", changes.firstName);
    const lastName = normaliseName("lastName", changes.lastName);
    if (firstName !== undefined) update.firstName = firstName;
    if (lastName !== undefined) update.lastName = lastName;
    return this.store.transaction(async (tx) => {
      const user = await this.store.update(tx, userId, update);
      if (!user) throw new DomainError("NOT_FOUND", "User not found");
      await this.outbox.enqueue(tx, {
        type: "auth.user.updated",
        aggregateId: user.id,
        payload: { userId: user.id, changed: Object.keys(update) },
      });
      return user;
    });
  }

  /** Batches every user lookup of one request into a single query. */
  createLoader(): UserLoader {
    return loaderByKey((ids) => this.store.findByIds(ids), (user) => user.id);
  }

  async me(auth: AuthContext, loader: UserLoader): Promise<UserRecord | null> {
    if (auth.kind !== "user") return null;
    return loader.load(auth.userId);
  }

  /** A user is visible to themself and to platform admins; to anyone else it does not exist. */
  async byId(auth: AuthContext, id: string, loader: UserLoader): Promise<UserRecord> {
    if (auth.kind !== "user") throw new DomainError("UNAUTHENTICATED", "Sign in first");
    if (auth.userId !== id && auth.platformRole !== "ADMIN") throw new DomainError("NOT_FOUND", "User not found");
    const user = isUuid(id) ? await loader.load(id) : null;
    if (!user) throw new DomainError("NOT_FOUND", "User not found");
    return user;
  }

  /** Every account, for platform admins: searchable, in email order, cursor-paginated. */
  async list(auth: AuthContext, first: number | null, after: string | null, search: string | null): Promise<{ users: UserRecord[]; hasNextPage: boolean }> {
    const caller = requireUser(auth);
    if (caller.platformRole !== "ADMIN") throw new DomainError("FORBIDDEN", "Only platform admins may list users");
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > 100) throw new DomainError("BAD_USER_INPUT", "first must be between 1 and 100", { field: "first" });
    const term = search?.trim();
    if (term && term.length > 100) throw new DomainError("BAD_USER_INPUT", "search is longer than 100 characters", { field: "search" });
    const afterEmail = after ? Buffer.from(after, "base64url").toString() : undefined;
    const rows = await this.store.page({ limit: size + 1, ...(term ? { search: term } : {}), ...(afterEmail ? { afterEmail } : {}) });
    return { users: rows.slice(0, size), hasNextPage: rows.length > size };
  }

  /**
   * Entity resolution for other subgraphs (`User` by `@key(fields: "id")`). The subgraph that hands out the
   * reference decides who may see that user (a co-member, an event's actor for admins); signed-out callers
   * see no one, whatever a subgraph forgets.
   */
  async reference(auth: AuthContext, id: string, loader: UserLoader): Promise<UserRecord | null> {
    if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in to see other users");
    return isUuid(id) ? loader.load(id) : null;
  }
}
