import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { request } from "node:http";
import { identitySubgraph } from "@repti/identity";
import { graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("health and metrics", () => {
  it("every service answers /health and a passing /health/deep", async () => {
    const urls = [stack.gatewayUrl, ...[...stack.subgraphs.values()].map((subgraph) => subgraph.url)];
    for (const url of urls) {
      const live = await fetch(new URL("/health", url));
      expect(live.status).toBe(200);
      const deep = await fetch(new URL("/health/deep", url));
      const report = (await deep.json()) as { status: string; checks: Record<string, { status: string }> };
      expect({ url, status: deep.status, report: report.status }).toEqual({ url, status: 200, report: "pass" });
    }
    const subgraphReport = (await (await fetch(new URL("/health/deep", stack.subgraphs.get("vivarium")!.url))).json()) as { checks: object };
    expect(Object.keys(subgraphReport.checks)).toEqual(["postgres", "bus"]);
  });

  it("/health/deep fails with 503 naming the dependency that is down", async () => {
    // A subgraph whose database is unreachable (port 9 discards) still starts without migrations, and says so.
    const broken = await identitySubgraph.start({
      env: { ...stack.env, DATABASE_URL: "postgres://postgres@127.0.0.1:9/none", MIGRATE_ON_START: "false", SEED_DEMO_DATA: "false" },
    });
    try {
      const deep = await fetch(new URL("/health/deep", broken.url));
      expect(deep.status).toBe(503);
      const report = (await deep.json()) as { status: string; checks: Record<string, { status: string; error?: string }> };
      expect(report.status).toBe("fail");
      expect(report.checks.postgres?.status).toBe("fail");
      expect(report.checks.bus?.status).toBe("pass");
      expect((await fetch(new URL("/health", broken.url))).status).toBe(200);
    } finally {
      await broken.stop();
    }
  });

  it("/metrics speaks Prometheus text with request and operation counters", async () => {
    await graphql(stack.gatewayUrl, "{ plans { id } }");
    const response = await fetch(new URL("/metrics", stack.gatewayUrl));
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^http_requests_total\{route="\/graphql",method="POST",status="200",service="gateway"\} \d+$/m);
    expect(text).toMatch(/^graphql_operations_total\{operation_type="query",outcome="ok",service="gateway"\} \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{service="gateway"\} \d+/m);
  });
});

describe("graceful shutdown", () => {
  it("finishes a request in flight, then refuses new connections and closes its pool", async () => {
    const before = await countConnections("repti-identity");
    const subgraph = await identitySubgraph.start({ env: { ...stack.env, SEED_DEMO_DATA: "false" } });
    expect(await countConnections("repti-identity")).toBeGreaterThan(before);
    // A request whose body is half sent when stop begins is in flight: it must still get its full answer.
    const body = JSON.stringify({ query: "{ _service { sdl } }" });
    const url = new URL(subgraph.url);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = subgraph.stop();
    const response = await answer;
    await stopping;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).data._service.sdl).toContain("type User");
    await expect(fetch(new URL("/health", subgraph.url))).rejects.toThrow();
    expect(await countConnections("repti-identity")).toBe(before);
  });
});

async function countConnections(applicationName: string): Promise<number> {
  const postgres = (await import("postgres")).default;
  const sql = postgres(stack.databaseUrl, { max: 1 });
  try {
    const [row] = await sql`select count(*)::int as n from pg_stat_activity
      where application_name = ${applicationName} and datname = current_database()`;
    return row!.n as number;
  } finally {
    await sql.end();
  }
}
