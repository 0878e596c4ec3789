/**
 * Builds schema/supergraph.graphql from the subgraphs' SDL. `--check` only compares and exits 1 when the
 * committed file is stale, so CI can tell a forgotten recompose from a composition error.
 */
import { readFile, writeFile } from "node:fs/promises";
import { printSubgraphSchema } from "@apollo/subgraph";
import { composeSupergraph, supergraphPath } from "@repti/gateway";
import { allSubgraphs } from "./subgraphs.js";

export async function composeFromSource(): Promise<string> {
  const sdls = await Promise.all(
    allSubgraphs.map(async (subgraph) => ({
      name: subgraph.name,
      url: `http://localhost:${subgraph.defaultPort}/graphql`,
      sdl: printSubgraphSchema(await subgraph.schema()),
    })),
  );
  return composeSupergraph(sdls);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const supergraph = await composeFromSource();
  if (process.argv.includes("--check")) {
    const committed = await readFile(supergraphPath, "utf8").catch(() => "");
    if (committed !== supergraph) {
      process.stderr.write("schema/supergraph.graphql is stale: run `pnpm compose` and commit the result\n");
      process.exit(1);
    }
    process.stdout.write("schema/supergraph.graphql is up to date\n");
  } else {
    await writeFile(supergraphPath, supergraph);
    process.stdout.write(`wrote ${supergraphPath}\n`);
  }
}
