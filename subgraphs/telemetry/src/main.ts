import { runAsProcess } from "@repti/kit";
import { telemetrySubgraph } from "./definition.js";

await runAsProcess("telemetry", () => telemetrySubgraph.start());
