import { runAsProcess } from "@repti/kit";
import { vivariumSubgraph } from "./definition.js";

await runAsProcess("vivarium", () => vivariumSubgraph.start());
