import { fork } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import type { EmbeddedPostgresMessage, EmbeddedPostgresRequest } from "./embedded-postgres-server.js";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("..", import.meta.url));
const serverScript = fileURLToPath(new URL("./embedded-postgres-server.ts", import.meta.url));

/** A port the OS reports free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, with its data under `dataDir` (kept between
 * runs). It is run by a helper process in its own process group, which stops it when told to or when this
 * process exits, however it exits: no orphan server outlives the stack.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port?: number; database: string }): Promise<EmbeddedDatabase> {
  const request: EmbeddedPostgresRequest = {
    dataDir: options.dataDir,
    port: options.port ?? (await freePort()),
    database: options.database,
    password: "postgres",
  };
  const child = fork(serverScript, [JSON.stringify(request)], {
    cwd: root,
    detached: true,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("message", (message: EmbeddedPostgresMessage) =>
      "ready" in message ? resolve() : reject(new Error(`embedded PostgreSQL failed to start: ${message.error}`)),
    );
    child.once("exit", (code) => reject(new Error(`embedded PostgreSQL helper exited with ${code}`)));
  });
  return {
    url: `postgres://postgres:${request.password}@127.0.0.1:${request.port}/${request.database}`,
    async stop() {
      if (child.connected) child.send("stop");
      await exited;
    },
  };
}
