import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginAdmin, loginKeeper, login } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

function createAdmin(email: string, password?: string) {
  return run(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=repti-source", "subgraphs/identity/src/cli/create-admin.ts", email], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: stack.databaseUrl, ...(password ? { ADMIN_PASSWORD: password } : { ADMIN_PASSWORD: "" }) },
  });
}

describe("platform admins", () => {
  it("the create-admin command makes a new ADMIN (generated password shown once) or promotes an account", async () => {
    const email = `ops-${Date.now()}@reptidex.dev`;
    const { stdout } = await createAdmin(email);
    expect(stdout).toMatch(new RegExp(`created ADMIN ${email}`));
    const generated = /password \(shown once\): (\S+)/.exec(stdout)![1]!;
    const admin = await login(stack, email, generated);
    expect((await graphql(stack.gatewayUrl, "{ me { platformRole } }", {}, bearer(admin.accessToken))).data).toEqual({ me: { platformRole: "ADMIN" } });

    const keeper = await loginKeeper(stack);
    expect((await graphql(stack.gatewayUrl, "{ me { platformRole } }", {}, bearer(keeper.accessToken))).data).toEqual({ me: { platformRole: "USER" } });
    const promoted = await createAdmin("keeper@reptidex.dev");
    expect(promoted.stdout).toMatch(/promoted ADMIN keeper@reptidex.dev/);
    expect((await graphql(stack.gatewayUrl, "{ me { platformRole } }", {}, bearer((await loginKeeper(stack)).accessToken))).data).toEqual({ me: { platformRole: "ADMIN" } });
  });

  it("refuses a weak ADMIN_PASSWORD and changes nothing", async () => {
    const email = `weak-${Date.now()}@reptidex.dev`;
    const failure = await createAdmin(email, "password").then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/password/i);
    const admin = await loginAdmin(stack);
    const found = await graphql(stack.gatewayUrl, "query($s: String) { users(search: $s) { edges { node { email } } } }", { s: email }, bearer(admin.accessToken));
    expect(found.data!.users.edges).toEqual([]);
  });

  it("users: admins only, searchable, cursor-paginated in email order", async () => {
    const admin = await loginAdmin(stack);
    const query = "query($first: Int, $after: String, $search: String) { users(first: $first, after: $after, search: $search) { edges { cursor node { email } } pageInfo { hasNextPage endCursor } } }";
    const keeper = await login(stack, "keeper@reptidex.dev");
    const asKeeper = await graphql(stack.gatewayUrl, query, {}, bearer(keeper.accessToken));
    // The keeper was promoted by the first test; a plain user is refused:
    const plain = await graphql(stack.gatewayUrl, "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }", {
      i: { email: `plain-${Date.now()}@example.com`, password: "a long and unremarkable terrarium passphrase" },
    });
    expect(errorCodes(await graphql(stack.gatewayUrl, query, {}, bearer(plain.data!.register.accessToken)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, query, {}))).toEqual(["UNAUTHENTICATED"]);
    expect(asKeeper.errors).toBeUndefined();

    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await graphql(stack.gatewayUrl, query, { first: 2, after }, bearer(admin.accessToken));
      all.push(...page.data.users.edges.map((edge: { node: { email: string } }) => edge.node.email));
      if (!page.data.users.pageInfo.hasNextPage) break;
      after = page.data.users.pageInfo.endCursor;
    }
    expect(all).toEqual([...all].sort());
    expect(all).toContain("admin@reptidex.dev");
    const search = await graphql(stack.gatewayUrl, query, { search: "KEEPER" }, bearer(admin.accessToken));
    expect(search.data!.users.edges.map((edge: { node: { email: string } }) => edge.node.email)).toEqual(["keeper@reptidex.dev"]);
    const wildcard = await graphql(stack.gatewayUrl, query, { search: "%" }, bearer(admin.accessToken));
    expect(wildcard.data!.users.edges).toEqual([]);
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { first: 0 }, bearer(admin.accessToken)))).toEqual(["BAD_USER_INPUT"]);
  });
});
