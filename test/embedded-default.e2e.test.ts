import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { demo } from "@repti/kit";
import { freePort } from "../scripts/embedded-postgres.js";
import { demoPassword } from "./support/auth.js";
import { bearer, graphql } from "./support/client.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsxCli = join(root, "node_modules", "tsx", "dist", "cli.mjs");

let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the embedded default (no DATABASE_URL, no REDIS_URL)", () => {
  it("`pnpm dev`'s stack starts embedded PostgreSQL, seeds, serves the supergraph and stops cleanly on Ctrl-C", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "repti-embedded-"));
    const ports = { PORT: await freePort(), IDENTITY_PORT: await freePort(), VIVARIUM_PORT: await freePort(), CONFIG_PORT: await freePort(), BILLING_PORT: await freePort(), TELEMETRY_PORT: await freePort() };
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
    const env = { ...inherited, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), REPTI_DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "development" };
    // Same command as `pnpm dev`, in its own process group so a group SIGINT is what Ctrl-C sends.
    child = spawn(process.execPath, [tsxCli, "--conditions=repti-source", "scripts/stack.ts"], { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));

    const gatewayUrl = `http://localhost:${ports.PORT}/graphql`;
    await expect.poll(() => output, { timeout: 90_000, interval: 250 }).toContain("repti-core is running");
    expect(output).toContain(`Gateway + Apollo Sandbox  ${gatewayUrl}`);

    // The demo vivarium is visible to its members: its HERPETOLOGIST signs in first, as the README shows.
    const signedIn = await graphql(gatewayUrl, `mutation { login(input: { email: "admin@reptidex.dev", password: "${demoPassword}" }) { accessToken } }`);
    const response = await graphql(gatewayUrl, `{ vivarium(slug: "${demo.vivariumSlug}") { name owner { email } } }`, {}, bearer(signedIn.data!.login.accessToken));
    expect(response.data).toEqual({ vivarium: { name: "Basking Spot", owner: { email: "admin@reptidex.dev" } } });
    const sandbox = await fetch(gatewayUrl, { headers: { accept: "text/html" } });
    expect(await sandbox.text()).toMatch(/embeddable-sandbox|Apollo Sandbox|sandbox/i);

    const postmasterPid = join(dataDir, "postgres", "postmaster.pid");
    expect(existsSync(postmasterPid)).toBe(true);
    process.kill(-child.pid!, "SIGINT");
    // tsx re-raises the interrupt after its child stopped cleanly, so the shell sees 130 (128 + SIGINT), as for
    // any program stopped with Ctrl-C; what counts is that stopping logged no error and left nothing behind.
    expect([0, 130]).toContain(await exited);
    expect(output).not.toMatch(/"level":(50|60)|error while stopping|did not stop/);
    // The embedded server is stopped too (its helper finishes after the stack): no orphan keeps the data.
    await expect.poll(() => existsSync(postmasterPid), { timeout: 15_000 }).toBe(false);
    await expect(fetch(gatewayUrl)).rejects.toThrow();
  }, 120_000);
});
