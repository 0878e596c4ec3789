import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["repti-source"] },
  ssr: { resolve: { conditions: ["repti-source"], externalConditions: ["repti-source"] } },
  test: {
    include: ["test/**/*.test.ts", "subgraphs/*/src/**/*.test.ts", "gateway/src/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time, each with its own database and bus prefix.
    maxWorkers: 2,
  },
});
