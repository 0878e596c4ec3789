import { requireAdminOrScope, type AuthContext } from "@repti/kit";
import type { FlagRecord, FlagStore } from "./flag.store.js";

/** Flag definitions (targeting rules included) are for platform admins; clients get evaluations instead. */
const requireFlagAdmin = (auth: AuthContext) => requireAdminOrScope(auth, "flag.read", "flag definitions");

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
