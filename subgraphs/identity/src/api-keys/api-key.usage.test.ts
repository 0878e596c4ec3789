import { describe, expect, it } from "vitest";
import { createLogger } from "@repti/kit";
import { ApiKeyUsage } from "./api-key.usage.js";

const log = createLogger("test", "silent");

describe("ApiKeyUsage", () => {
  it("writes every key used since the last flush in one call, and nothing when none was", async () => {
    const calls: string[][] = [];
    const usage = new ApiKeyUsage({ markUsed: async (ids) => void calls.push([...ids]) }, log, 60_000);
    await usage.flush();
    expect(calls).toEqual([]);
    for (const id of ["a", "b", "a", "c", "b"]) usage.record(id);
    await usage.flush();
    expect(calls).toEqual([["a", "b", "c"]]);
    await usage.flush();
    expect(calls).toHaveLength(1);
  });

  it("keeps the ids of a failed write for the next flush", async () => {
    const calls: string[][] = [];
    let fail = true;
    const usage = new ApiKeyUsage(
      {
        markUsed: async (ids) => {
          if (fail) throw new Error("database down");
          calls.push([...ids]);
        },
      },
      log,
      60_000,
    );
    usage.record("a");
    await usage.flush();
    fail = false;
    usage.record("b");
    await usage.flush();
    expect(calls).toEqual([["a", "b"]]);
  });

  it("flushes on its timer and once more at stop", async () => {
    const calls: string[][] = [];
    const usage = new ApiKeyUsage({ markUsed: async (ids) => void calls.push([...ids]) }, log, 20);
    usage.start();
    usage.record("a");
    for (let waited = 0; calls.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual([["a"]]);
    usage.record("b");
    await usage.stop();
    expect(calls).toEqual([["a"], ["b"]]);
  });
});
