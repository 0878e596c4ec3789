import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { loggableError, type Logger } from "./logger.js";
import type { ServiceMetrics } from "./metrics.js";
import { runHealthChecks, type HealthCheck } from "./health.js";
import { ErrorCode } from "./errors.js";

export const GRAPHQL_PATH = "/graphql";
/** Largest accepted request body; larger ones are refused before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpServiceOptions {
  name: string;
  log: Logger;
  metrics: ServiceMetrics;
  healthChecks: readonly HealthCheck[];
  /** Peers whose X-Forwarded-For names the client (Express `trust proxy` entries); empty trusts none. */
  trustedProxies: readonly string[];
  /** Adds the service's own routes (GraphQL, webhooks, ...) after the common ones. */
  routes(app: Express): void;
}

export interface HttpService {
  app: Express;
  server: Server;
  listen(port: number, host: string): Promise<string>;
}

/** RFC 7807 body for plain HTTP endpoints. */
export function sendProblem(res: express.Response, status: number, title: string, detail?: string): void {
  res
    .status(status)
    .type("application/problem+json")
    .send(JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}) }));
}

function recordRequests(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on("finish", () => {
      // A route of ours, never a raw URL, so label cardinality stays bounded: unknown paths end in 404.
      const path = req.originalUrl.split("?")[0] ?? "";
      const route = res.statusCode === 404 ? "unmatched" : path.startsWith(GRAPHQL_PATH) ? GRAPHQL_PATH : path;
      end({ route, method: req.method });
      metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
    });
    next();
  };
}

/**
 * Body-parser failures (bad JSON, too large) on the GraphQL route are answered as GraphQL errors so GraphQL
 * clients can read them; everywhere else as problem documents.
 */
function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: { status?: number; type?: string; message?: string }, req, res, _next) => {
    const status = typeof error.status === "number" && error.status >= 400 && error.status < 500 ? error.status : 500;
    const message =
      error.type === "entity.parse.failed"
        ? "Request body is not valid JSON"
        : error.type === "entity.too.large"
          ? `Request body exceeds ${BODY_LIMIT_BYTES} bytes`
          : status === 500
            ? "Internal server error"
            : (error.message ?? "Bad request");
    if (status === 500) log.error({ err: loggableError(error) }, "unhandled HTTP error");
    if (req.path === GRAPHQL_PATH) {
      const code = status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_USER_INPUT;
      res.status(status).json({ errors: [{ message, extensions: { code } }] });
      return;
    }
    sendProblem(res, status, message);
  };
}

export function createHttpService(options: HttpServiceOptions): HttpService {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", [...options.trustedProxies]);
  app.use(recordRequests(options.metrics));

  app.get("/health", (_req, res) => {
    res.json({ status: "pass", service: options.name });
  });
  app.get("/health/deep", async (_req, res) => {
    const report = await runHealthChecks(options.healthChecks);
    res.status(report.status === "pass" ? 200 : 503).json({ service: options.name, ...report });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  options.routes(app);

  app.use((_req, res) => sendProblem(res, 404, "Not found"));
  app.use(errorHandler(options.log));

  const server = createServer(app);
  return {
    app,
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
          resolve(`http://${shownHost}:${address.port}`);
        });
      }),
  };
}

export const jsonBody = (): RequestHandler => express.json({ limit: BODY_LIMIT_BYTES });
