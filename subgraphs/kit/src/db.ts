import postgres from "postgres";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Logger } from "./logger.js";

export type Database<TSchema extends Record<string, unknown>> = PostgresJsDatabase<TSchema> & {
  $client: postgres.Sql;
};

/** A Drizzle transaction handle, whatever the subgraph's table map. */
export type Transaction<TSchema extends Record<string, unknown>> = Parameters<
  Parameters<Database<TSchema>["transaction"]>[0]
>[0];

export interface DatabaseOptions {
  url: string;
  /** Upper bound of open connections from this process; keeps N instances × pool under max_connections. */
  poolMax: number;
  applicationName: string;
  /** Called once per statement sent (for the `db_queries_total` metric). */
  onQuery?: () => void;
}

export function connectDatabase<TSchema extends Record<string, unknown>>(
  options: DatabaseOptions,
  schema: TSchema,
): Database<TSchema> {
  const client = postgres(options.url, {
    max: options.poolMax,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
    ...(options.onQuery ? { debug: options.onQuery } : {}),
  });
  return drizzle({ client, schema });
}

/**
 * Applies the subgraph's drizzle-kit migrations, recording them in `drizzle.__<schema>_migrations` (the
 * migrations create the subgraph's schema themselves). Every instance of every subgraph serialises on one
 * advisory lock held by a dedicated connection, so exactly one applies each migration and the others find it
 * done, and no two create the shared bookkeeping schema at once.
 */
const migrationLock = "repti-core:migrations";

export async function applyMigrations(
  db: Database<Record<string, unknown>>,
  options: { folder: string; schema: string; log: Logger },
): Promise<void> {
  const lockConnection = await db.$client.reserve();
  try {
    await lockConnection`select pg_advisory_lock(hashtext(${migrationLock}))`;
    await migrate(db, {
      migrationsFolder: options.folder,
      migrationsSchema: "drizzle",
      migrationsTable: `__${options.schema}_migrations`,
    });
    options.log.info({ schema: options.schema }, "migrations applied");
  } finally {
    await lockConnection`select pg_advisory_unlock(hashtext(${migrationLock}))`.catch(() => {});
    lockConnection.release();
  }
}
