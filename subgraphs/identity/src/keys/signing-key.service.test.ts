import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { applyMigrations, connectDatabase, createLogger, type Database } from "@repti/kit";
import { createTestDatabase } from "../../../../test/support/database.js";
import { tables, type IdentityTables } from "../db/schema.js";
import { identitySubgraph } from "../definition.js";
import { SecretBox } from "../secrets/secret-box.js";
import { SigningKeyService } from "./signing-key.service.js";
import { SigningKeyStore } from "./signing-key.store.js";

const log = createLogger("signing-key-test", "silent");
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database<IdentityTables>;
beforeAll(async () => {
  database = await createTestDatabase(inject("databaseUrl"));
  db = connectDatabase({ url: database.url, poolMax: 4, applicationName: "signing-key-test" }, tables);
  await applyMigrations(db as never, { folder: identitySubgraph.migrationsFolder, schema: "identity", log });
});
afterAll(async () => {
  await db?.$client.end();
  await database?.drop();
});

const hour = 3600_000;
const box = new SecretBox(SecretBox.deriveDevelopmentKey());

async function sign(service: SigningKeyService, at: Date) {
  const { kid, privateKey } = await service.active(at);
  const token = await new SignJWT({}).setProtectedHeader({ alg: "EdDSA", kid }).sign(privateKey);
  return { kid, token };
}

describe("signing key rotation", () => {
  it("publishes the successor before it signs, switches at the scheduled time, and keeps old keys until their tokens expire", async () => {
    // One key signs for 24 h; tokens live up to 1 h.
    const policy = { rotationSeconds: 24 * 3600, tokenLifetimeSeconds: 3600 };
    const service = new SigningKeyService(new SigningKeyStore(db), box, policy, log);
    const start = new Date("2030-01-01T00:00:00Z");

    const first = await sign(service, start);
    expect((await service.jwks(start)).keys.map((key) => key.kid)).toEqual([first.kid]);

    // Within a token lifetime (plus skew) of retirement, the successor is published but does not sign yet.
    const nearEnd = new Date(start.getTime() + 23.5 * hour);
    const stillFirst = await sign(service, nearEnd);
    expect(stillFirst.kid).toBe(first.kid);
    const published = (await service.jwks(nearEnd)).keys.map((key) => key.kid);
    expect(published).toHaveLength(2);
    const successorKid = published.find((kid) => kid !== first.kid)!;

    // From the scheduled time the successor signs; a second instance agrees on the same key (no duplicate).
    const after = new Date(start.getTime() + 24.1 * hour);
    const fresh = new SigningKeyService(new SigningKeyStore(db), box, policy, log);
    expect((await sign(fresh, after)).kid).toBe(successorKid);
    expect((await sign(service, after)).kid).toBe(successorKid);

    // The old key still verifies its tokens until every one of them can have expired, then leaves the JWKS.
    const jwksAfter = await fresh.jwks(after);
    await expect(jwtVerify(first.token, createLocalJWKSet(jwksAfter))).resolves.toBeTruthy();
    const muchLater = new Date(start.getTime() + 25.2 * hour);
    expect((await new SigningKeyService(new SigningKeyStore(db), box, policy, log).jwks(muchLater)).keys.map((key) => key.kid)).not.toContain(first.kid);
  });

  it("instances starting together on an empty table agree on one first key", async () => {
    await db.delete(tables.signingKeys);
    const policy = { rotationSeconds: 24 * 3600, tokenLifetimeSeconds: 3600 };
    const start = new Date("2031-01-01T00:00:00Z");
    // Each instance sees the table empty and creates a key a few milliseconds apart from the others.
    const instances = Array.from({ length: 4 }, () => new SigningKeyService(new SigningKeyStore(db), box, policy, log));
    const kids = await Promise.all(instances.map((instance, n) => instance.active(new Date(start.getTime() + n * 5)).then((key) => key.kid)));
    expect(new Set(kids).size).toBe(1);
    expect(await db.select().from(tables.signingKeys)).toHaveLength(1);
  });

  it("stores private keys encrypted", async () => {
    const rows = await db.select().from(tables.signingKeys);
    for (const row of rows) {
      expect(row.privateKeyEncrypted).toMatch(/^v1\./);
      expect(row.privateKeyEncrypted).not.toContain("PRIVATE KEY");
    }
  });
});
