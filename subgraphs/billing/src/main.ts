import { runAsProcess } from "@repti/kit";
import { billingSubgraph } from "./definition.js";

await runAsProcess("billing", () => billingSubgraph.start());
