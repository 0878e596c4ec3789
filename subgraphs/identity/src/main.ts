import { runAsProcess } from "@repti/kit";
import { identitySubgraph } from "./definition.js";

await runAsProcess("identity", () => identitySubgraph.start());
