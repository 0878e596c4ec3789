import { sql } from "drizzle-orm";
import type { Database, Transaction } from "./db.js";

/** Who the row-level security policies see acting: a role without BYPASSRLS, and the `repti.*` settings they read. */
export interface RowSecurityScope {
  role: string;
  settings: Record<string, string>;
}

/**
 * Runs a unit of work in one transaction as `scope.role`, so PostgreSQL's row-level security policies decide what
 * every statement of it may read and write, whatever filters the code remembered. Role and settings are set with
 * `set_config(..., true)` in one statement: they last until the transaction ends, and the pooled connection goes
 * back to the pool as the owner it was.
 */
export function withRowSecurity<TTables extends Record<string, unknown>, T>(
  db: Database<TTables>,
  scope: RowSecurityScope,
  work: (tx: Transaction<TTables>) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const settings = Object.entries(scope.settings).map(([name, value]) => sql`, set_config(${name}, ${value}, true)`);
    await tx.execute(sql`select set_config('role', ${scope.role}, true)${sql.join(settings)}`);
    return work(tx);
  });
}
