import { runAsProcess } from "@repti/kit";
import { configSubgraph } from "./definition.js";

await runAsProcess("config", () => configSubgraph.start());
