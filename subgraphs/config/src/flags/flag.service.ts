import { DomainError, type AuthContext } from "@repti/kit";
import type { FlagRecord, FlagStore } from "./flag.store.js";

/** Flag definitions (targeting rules included) are for platform admins; clients get evaluations instead. */
function requireFlagAdmin(auth: AuthContext): void {
  if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in first");
  const allowed = auth.kind === "user" ? auth.platformRole === "ADMIN" : auth.scopes.includes("flag.read");
  if (!allowed) throw new DomainError("FORBIDDEN", "Only platform admins may read flag definitions");
}

export class FlagService {
  constructor(private readonly store: FlagStore) {}

  async list(auth: AuthContext): Promise<FlagRecord[]> {
    requireFlagAdmin(auth);
    return this.store.all();
  }

  async byName(auth: AuthContext, name: string): Promise<FlagRecord | null> {
    requireFlagAdmin(auth);
    return (await this.store.byName(name)) ?? null;
  }
}
