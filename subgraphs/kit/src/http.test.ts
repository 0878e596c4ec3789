import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpService, type HttpService } from "./http.js";
import { createLogger } from "./logger.js";
import { ServiceMetrics } from "./metrics.js";

const services: HttpService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => new Promise((resolve) => service.server.close(resolve))));
});

/** A service answering the client address it resolved, called from loopback with a forged X-Forwarded-For. */
async function clientAddressSeen(trustedProxies: string[]): Promise<string> {
  const service = createHttpService({
    name: "probe",
    log: createLogger("probe", "silent"),
    metrics: new ServiceMetrics("probe"),
    healthChecks: [],
    trustedProxies,
    routes: (app) => app.get("/whoami", (req, res) => void res.json({ ip: req.ip })),
  });
  services.push(service);
  await service.listen(0, "127.0.0.1");
  const { port } = service.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/whoami`, { headers: { "x-forwarded-for": "203.0.113.9" } });
  return ((await response.json()) as { ip: string }).ip;
}

describe("trusted proxies", () => {
  it("ignores X-Forwarded-For unless the peer is trusted", async () => {
    expect(await clientAddressSeen([])).toBe("127.0.0.1");
    expect(await clientAddressSeen(["10.0.0.0/8"])).toBe("127.0.0.1");
    expect(await clientAddressSeen(["loopback"])).toBe("203.0.113.9");
  });
});
