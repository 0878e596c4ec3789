import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

/** The committed supergraph the gateway serves (built by `pnpm compose`). */
export const supergraphPath = fileURLToPath(new URL("../../schema/supergraph.graphql", import.meta.url));

export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
}

export class CompositionError extends Error {
  override name = "CompositionError";
}

/** Composes subgraph SDLs into the supergraph SDL, or throws with every composition error listed. */
export function composeSupergraph(subgraphs: readonly SubgraphSdl[]): string {
  const result = composeServices(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  if (result.errors) {
    throw new CompositionError(`Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join("\n")}`);
  }
  return result.supergraphSdl;
}

export async function readSupergraph(path = supergraphPath): Promise<string> {
  return readFile(path, "utf8");
}
