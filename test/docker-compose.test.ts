import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const validator = join(root, "scripts", "validate-compose.mjs");

describe("docker-compose.yml", () => {
  it("is valid against the Compose Specification schema", async () => {
    const { stdout } = await run(process.execPath, [validator], { cwd: root });
    expect(stdout).toContain("valid against the Compose Specification");
  });

  it("runs every subgraph and the gateway with health checks, on PostgreSQL and Redis", async () => {
    const text = await readFile(join(root, "docker-compose.yml"), "utf8");
    for (const service of ["postgres", "redis", "identity", "vivarium", "config", "billing", "telemetry", "gateway"]) {
      expect(text).toMatch(new RegExp(`^  ${service}:$`, "m"));
    }
    for (const port of [4000, 4001, 4002, 4003, 4004, 4005]) expect(text).toContain(`fetch('http://127.0.0.1:${port}/health/deep')`);
  });

  it("the validator refuses a broken file, naming the problem", async () => {
    const scratch = await mkdtemp(join(tmpdir(), "repti-compose-"));
    try {
      const broken = (await readFile(join(root, "docker-compose.yml"), "utf8")).replace("  init: true", "  inti: true");
      await writeFile(join(scratch, "docker-compose.yml"), broken);
      const failure = await run(process.execPath, [validator, join(scratch, "docker-compose.yml")]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/inti/);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
