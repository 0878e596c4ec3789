import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import postgres from "postgres";
import { allSubgraphs } from "../scripts/subgraphs.js";
import { createTestDatabase } from "./support/database.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

describe("migrations", () => {
  // drizzle-kit compares each subgraph's tables with its committed migrations: a table change without a
  // generated migration fails here, before it can reach a database.
  it.each(allSubgraphs.map((subgraph) => subgraph.name))("%s: the committed migrations match the Drizzle tables", async (name) => {
    const scratch = await mkdtemp(join(tmpdir(), `repti-migrations-${name}-`));
    try {
      await cp(join(root, "migrations", name), scratch, { recursive: true });
      const before = await readdir(scratch);
      const cwd = join(root, "subgraphs", name);
      // drizzle-kit prefixes `out` with "./", so it must be relative; it also exits 0 on errors, hence the output check.
      const { stdout } = await run(join(cwd, "node_modules", ".bin", "drizzle-kit"), ["generate", "--dialect=postgresql", "--schema=./src/db/schema.ts", `--out=${relative(cwd, scratch)}`], {
        cwd,
        env: { ...process.env, NODE_OPTIONS: "--conditions=repti-source" },
      });
      expect(stdout).toContain("No schema changes");
      expect(await readdir(scratch)).toEqual(before);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  describe("on a fresh database", () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      database = await createTestDatabase(inject("databaseUrl"));
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("apply once per subgraph, each into its own schema, and re-applying is a no-op", async () => {
      const env = { DATABASE_URL: database.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", SEED_DEMO_DATA: "false" };
      // Start every subgraph twice at once: the advisory lock lets one apply each migration.
      const running = await Promise.all([...allSubgraphs, ...allSubgraphs].map((subgraph) => subgraph.start({ env })));
      await Promise.all(running.map((subgraph) => subgraph.stop()));
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const schemas = await sql`select schema_name from information_schema.schemata
          where schema_name in ('identity', 'vivarium', 'config', 'billing', 'telemetry', 'drizzle') order by 1`;
        expect(schemas.map((row) => row.schema_name)).toEqual(["billing", "config", "drizzle", "identity", "telemetry", "vivarium"]);
        for (const subgraph of allSubgraphs) {
          const applied = await sql`select count(*)::int as n from ${sql(`drizzle`)}.${sql(`__${subgraph.name}_migrations`)}`;
          const journal = (await readdir(join(root, "migrations", subgraph.name))).filter((file) => file.endsWith(".sql"));
          expect({ name: subgraph.name, applied: applied[0]!.n }).toEqual({ name: subgraph.name, applied: journal.length });
        }
        const crossSchemaKeys = await sql`select conname from pg_constraint c
          join pg_class src on src.oid = c.conrelid join pg_namespace s on s.oid = src.relnamespace
          join pg_class dst on dst.oid = c.confrelid join pg_namespace d on d.oid = dst.relnamespace
          where c.contype = 'f' and s.nspname <> d.nspname`;
        expect(crossSchemaKeys).toHaveLength(0);
        const [permissions] = await sql`select count(*)::int as n from vivarium.role_permissions`;
        expect(permissions!.n).toBe(83);
      } finally {
        await sql.end();
      }
    }, 60_000);
  });
});
