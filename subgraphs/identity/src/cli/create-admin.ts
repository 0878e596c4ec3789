/**
 * `pnpm create-admin <email>`: creates the first platform ADMIN, or promotes an existing account.
 * Uses DATABASE_URL (or IDENTITY_DATABASE_URL) and applies identity's migrations first. The password comes
 * from ADMIN_PASSWORD; without it a random one is generated and printed once.
 */
import { applyMigrations, connectDatabase, createLogger, loadConfig, Outbox, subgraphEnv } from "@repti/kit";
import { bootstrapAdmin } from "../accounts/admin-bootstrap.js";
import { outbox, tables } from "../db/schema.js";
import { identitySubgraph } from "../definition.js";
import { PasswordHasher } from "../passwords/password-hasher.js";
import { PasswordPolicy } from "../passwords/password-policy.js";
import { identityEnv } from "../settings.js";
import { UserStore } from "../users/user.store.js";

const email = process.argv[2];
if (!email) {
  process.stderr.write("usage: pnpm create-admin <email>   (password from ADMIN_PASSWORD, or generated)\n");
  process.exit(2);
}
const config = loadConfig(subgraphEnv("identity", identitySubgraph.defaultPort));
const settings = loadConfig(identityEnv);
const log = createLogger("create-admin", "warn");
const db = connectDatabase({ url: config.DATABASE_URL, poolMax: 2, applicationName: "repti-create-admin" }, tables);
try {
  await applyMigrations(db, { folder: identitySubgraph.migrationsFolder, schema: "identity", log });
  const result = await bootstrapAdmin(
    {
      users: new UserStore(db),
      hasher: new PasswordHasher(),
      policy: new PasswordPolicy({ minLength: settings.PASSWORD_MIN_LENGTH, maxLength: 256 }),
      outbox: new Outbox(outbox, "identity"),
    },
    email,
    process.env.ADMIN_PASSWORD || undefined,
  );
  process.stdout.write(`${result.created ? "created" : "promoted"} ADMIN ${email} (${result.userId})\n`);
  if (result.generatedPassword) process.stdout.write(`password (shown once): ${result.generatedPassword}\n`);
} catch (error) {
  process.stderr.write(`create-admin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await db.$client.end();
}
