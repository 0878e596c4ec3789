import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

let stack: TestStack;
beforeAll(async () => {
  // The defaults a deployment gets without TRUST_PROXY: the gateway trusts no proxy, subgraphs trust loopback.
  stack = await startTestStack({ seedDemoData: false, env: { TRUST_PROXY: undefined } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("the gateway's default trusted proxies", () => {
  it("ignores a client's own X-Forwarded-For: per-address limits count the real peer, however the header varies", async () => {
    const ask = (n: number) =>
      graphql(stack.gatewayUrl, "mutation($e: String!) { requestPasswordReset(email: $e) }", { e: `nobody-${n}@example.com` }, { "x-forwarded-for": `203.0.113.${n}` });
    // Ten an hour per address: were the header believed, each request would be a new address.
    for (let n = 1; n <= 10; n += 1) expect((await ask(n)).data).toEqual({ requestPasswordReset: true });
    const refused = await ask(11);
    expect(errorCodes(refused)).toEqual(["RATE_LIMITED"]);
    expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
  });
});
