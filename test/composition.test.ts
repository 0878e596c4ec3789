import { describe, expect, it } from "vitest";
import { composeSupergraph, CompositionError, readSupergraph } from "@repti/gateway";
import { composeFromSource } from "../scripts/compose.js";

describe("the committed supergraph", () => {
  it("is what composing the subgraphs' current SDL gives (run `pnpm compose` when this fails)", async () => {
    expect(await composeFromSource()).toBe(await readSupergraph());
  });

  it("holds the contract's entities and root fields", async () => {
    const supergraph = await readSupergraph();
    // config only references users (who changed a flag or a config value): its key is not resolvable there.
    expect(supergraph).toMatch(/type User\s+@join__type\(graph: CONFIG, key: "id", resolvable: false\)\s+@join__type\(graph: IDENTITY, key: "id"\)\s+@join__type\(graph: VIVARIUM, key: "id"\)/);
    expect(supergraph).toMatch(/type Vivarium\s+@join__type\(graph: VIVARIUM, key: "id"\)/);
    for (const field of ["me: User", "vivarium(slug: String, id: ID): Vivarium", "plans: [Plan!]!", "appConfig(environment: String): [ConfigEntry!]!", "events("]) {
      expect(supergraph).toContain(field);
    }
  });

  it("reports composition errors instead of writing a broken supergraph", () => {
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.14", import: ["@key"])';
    const compose = () =>
      composeSupergraph([
        { name: "a", url: "http://a/graphql", sdl: `${link}\ntype Query { plan: Plan } type Plan @key(fields: "id") { id: ID! price: Int! }` },
        { name: "b", url: "http://b/graphql", sdl: `${link}\ntype Query { other: Plan } type Plan @key(fields: "id") { id: ID! price: String! }` },
      ]);
    expect(compose).toThrow(CompositionError);
    expect(compose).toThrow(/price/);
  });
});
