/** A dependency that `/health/deep` probes (the database, Redis, the bus). */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthReport {
  status: "pass" | "fail";
  checks: Record<string, { status: "pass" | "fail"; latencyMs: number; error?: string }>;
}

/** Runs every check in parallel, each bounded by `timeoutMs` so a hung dependency cannot hang the probe. */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = 2_000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { status: "pass" as const, latencyMs: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { status: "fail" as const, latencyMs: Math.round(performance.now() - started), error: message }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: HealthReport = { status: "pass", checks: Object.fromEntries(results) };
  if (results.some(([, result]) => result.status === "fail")) report.status = "fail";
  return report;
}
