import { withRowSecurity, type Database, type Transaction } from "@repti/kit";
import type { VivariumTables } from "./schema.js";

export type Tx = Transaction<VivariumTables>;

/** The role request work runs as: no BYPASSRLS, so the policies of migrations/vivarium/0003_row_level_security.sql apply. */
export const requestRole = "repti_vivarium";

/**
 * The two ways into the tables. Request work runs as `repti_vivarium` for the acting user, and row-level security
 * hides every vivarium they do not belong to (a null user sees none); it goes through `requestDb`, a login without
 * BYPASSRLS when VIVARIUM_REQUEST_DATABASE_URL names one, so not even a statement that reset the role could leave
 * the policies. Background work that acts for the platform (identity's account events, the retention purge, the
 * demo seed) runs as the owner, which RLS does not restrict.
 */
export class Tenancy {
  constructor(
    private readonly db: Database<VivariumTables>,
    private readonly requestDb: Database<VivariumTables> = db,
  ) {}

  actingAs<T>(userId: string | null, work: (tx: Tx) => Promise<T>): Promise<T> {
    return withRowSecurity(this.requestDb, { role: requestRole, settings: { "repti.user_id": userId ?? "" } }, work);
  }

  asPlatform<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}
