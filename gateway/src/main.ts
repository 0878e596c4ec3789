import { runAsProcess } from "@repti/kit";
import { startGateway } from "./server.js";

await runAsProcess("gateway", () => startGateway());
