import { apiKeyRevokedEvent, DomainError, isUuid, type AuthContext, type Outbox, type PlatformRole, type SessionRevocations, type Transaction } from "@repti/kit";
import type { IdentityTables } from "../db/schema.js";
import type { UserRecord, UserStore } from "../users/user.store.js";
import { isApiKeyScope, roleMayGrant, type ApiKeyScope } from "./api-key.scopes.js";
import { generateApiKey, parseApiKey, secretMatches } from "./api-key.secret.js";
import type { ApiKeyRecord, ApiKeyStore } from "./api-key.store.js";
import type { ApiKeyUsage } from "./api-key.usage.js";

export interface CreateApiKeyInput {
  name: string;
  scopes: readonly string[];
  expiresAt?: Date | null;
  vivariumId?: string | null;
}

/** A key that may be used now: its row, its owner, and the scopes it may use (see `usableScopes`). */
export interface ActiveApiKey {
  record: ApiKeyRecord;
  owner: UserRecord;
  scopes: ApiKeyScope[];
}

export interface ApiKeyPolicy {
  /** Lifetime of the access tokens a key is exchanged for: how long a revocation must be remembered. */
  tokenTtlSeconds: number;
}

const maxNameLength = 100;
/** Drawing a prefix that is taken is a one in 10^15 event; a few retries cover it. */
const prefixAttempts = 3;

/** Keys are managed by signed-in users only, never by a key (a leaked key must not mint more keys). */
function requireKeyOwner(auth: AuthContext): Extract<AuthContext, { kind: "user" }> {
  if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in first");
  if (auth.kind === "service") throw new DomainError("FORBIDDEN", "API keys are managed by signed-in users, not by API keys");
  return auth;
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new DomainError("BAD_USER_INPUT", "Name the key", { field: "name" });
  if (name.length > maxNameLength) throw new DomainError("BAD_USER_INPUT", `name is longer than ${maxNameLength} characters`, { field: "name" });
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DomainError("BAD_USER_INPUT", "name contains control characters", { field: "name" });
  return name;
}

function checkScopes(requested: readonly string[]): ApiKeyScope[] {
  const unknown = requested.filter((scope) => !isApiKeyScope(scope));
  if (unknown.length > 0) throw new DomainError("BAD_USER_INPUT", `Unknown scope: ${unknown.join(", ")}`, { field: "scopes", unknown });
  const scopes = [...new Set(requested as ApiKeyScope[])];
  if (scopes.length === 0) throw new DomainError("BAD_USER_INPUT", "Give the key at least one scope", { field: "scopes" });
  return scopes;
}

/** The stored scopes its owner may still grant (an owner no longer ADMIN loses the admin scopes at once). */
function usableScopes(record: ApiKeyRecord, role: PlatformRole): ApiKeyScope[] {
  return record.scopes.filter(isApiKeyScope).filter((scope) => roleMayGrant(role, scope));
}

/** API keys: created by users for services and scripts, shown once, stored as a hash, scoped, expiring, revocable. */
export class ApiKeyService {
  constructor(
    private readonly deps: {
      store: ApiKeyStore;
      users: UserStore;
      revocations: SessionRevocations;
      outbox: Outbox;
      usage: ApiKeyUsage;
      policy: ApiKeyPolicy;
    },
  ) {}

  /** A new key of the caller; `key` is the whole key, which is never retrievable again. */
  async create(auth: AuthContext, input: CreateApiKeyInput, now = new Date()): Promise<{ record: ApiKeyRecord; key: string }> {
    const { userId } = requireKeyOwner(auth);
    const name = checkName(input.name);
    const scopes = checkScopes(input.scopes);
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw new DomainError("BAD_USER_INPUT", "expiresAt must be in the future", { field: "expiresAt" });
    }
    if (input.vivariumId && !isUuid(input.vivariumId)) throw new DomainError("BAD_USER_INPUT", "vivariumId is not an id", { field: "vivariumId" });
    // The role as stored now, not as the (up to 15 minutes old) access token says.
    const [owner] = await this.deps.users.findByIds([userId]);
    if (!owner?.isActive) throw new DomainError("UNAUTHENTICATED", "Sign in first");
    const denied = scopes.filter((scope) => !roleMayGrant(owner.platformRole, scope));
    if (denied.length > 0) throw new DomainError("FORBIDDEN", `Only platform admins may grant ${denied.join(", ")}`, { field: "scopes", denied });

    for (let attempt = 0; attempt < prefixAttempts; attempt += 1) {
      const generated = generateApiKey();
      const record = await this.deps.store.insert({
        userId,
        vivariumId: input.vivariumId ?? null,
        name,
        prefix: generated.prefix,
        secretHash: generated.secretHash,
        scopes,
        expiresAt: input.expiresAt ?? null,
      });
      if (record) return { record, key: generated.key };
    }
    throw new Error("could not draw a free API key prefix");
  }

  async list(auth: AuthContext): Promise<ApiKeyRecord[]> {
    return this.deps.store.unrevokedForUser(requireKeyOwner(auth).userId);
  }

  /**
   * Revokes one of the caller's keys: new exchanges are refused at once, and its access tokens go on the
   * revocation list every verifier reads. NOT_FOUND for anyone else's key (its existence is not revealed);
   * false for a key of the caller's already revoked.
   */
  async revoke(auth: AuthContext, id: string, now = new Date()): Promise<boolean> {
    const { userId } = requireKeyOwner(auth);
    const record = isUuid(id) ? await this.deps.store.byId(id) : undefined;
    if (!record || record.userId !== userId) throw new DomainError("NOT_FOUND", "API key not found");
    const { store } = this.deps;
    const revoked = await store.transaction(async (tx) => {
      const row = await store.revoke(tx, id, userId, now);
      if (row) await this.announceRevocations(tx, [row]);
      return row;
    });
    if (!revoked) return false;
    await this.forgetTokens([revoked.id]);
    return true;
  }

  /**
   * Revokes every key of a user in the caller's transaction (the account is being deactivated or deleted).
   * Call `forgetTokens` with the answer once the transaction has committed.
   */
  async revokeAllOf(tx: Transaction<IdentityTables>, userId: string, now = new Date()): Promise<string[]> {
    const rows = await this.deps.store.revokeAllForUser(tx, userId, now);
    await this.announceRevocations(tx, rows);
    return rows.map((row) => row.id);
  }

  /** Puts the access tokens exchanged for these keys on the revocation list every verifier reads. */
  async forgetTokens(keyIds: readonly string[]): Promise<void> {
    await this.deps.revocations.revoke(keyIds, this.deps.policy.tokenTtlSeconds + 60);
  }

  /** The event reaches revocation lists kept in other processes (without Redis, each keeps its own). */
  private async announceRevocations(tx: Transaction<IdentityTables>, rows: readonly ApiKeyRecord[]): Promise<void> {
    for (const row of rows) {
      await this.deps.outbox.enqueue(tx, { type: apiKeyRevokedEvent, aggregateId: row.userId, payload: { userId: row.userId, apiKeyId: row.id } });
    }
  }

  /** The key a presented secret belongs to, if it may be used now; undefined for anything else. */
  async authenticate(presented: string, now = new Date()): Promise<ActiveApiKey | undefined> {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const record = await this.deps.store.byPrefix(parsed.prefix);
    if (!record || !secretMatches(parsed.secret, record.secretHash)) return undefined;
    return this.usable(record, now);
  }

  /** A key by id, if it may be used now (introspection of the access tokens it was exchanged for). */
  async active(id: string, now = new Date()): Promise<ActiveApiKey | undefined> {
    const record = isUuid(id) ? await this.deps.store.byId(id) : undefined;
    return record && this.usable(record, now);
  }

  /** Stamps `last_used_at` (batched: see ApiKeyUsage). */
  recordUse(key: ActiveApiKey): void {
    this.deps.usage.record(key.record.id);
  }

  private async usable(record: ApiKeyRecord, now: Date): Promise<ActiveApiKey | undefined> {
    if (record.revokedAt || (record.expiresAt && record.expiresAt <= now)) return undefined;
    const [owner] = await this.deps.users.findByIds([record.userId]);
    if (!owner?.isActive) return undefined;
    return { record, owner, scopes: usableScopes(record, owner.platformRole) };
  }
}
