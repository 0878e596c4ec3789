import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The Prometheus registry of one service, exposed at its `GET /metrics`. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"route" | "method" | "status">;
  readonly httpDuration: Histogram<"route" | "method">;
  readonly graphqlOperations: Counter<"operation_type" | "outcome">;
  readonly graphqlDuration: Histogram<"operation_type">;
  readonly dbQueries: Counter;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by route, method and status code",
      labelNames: ["route", "method", "status"],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to answer an HTTP request",
      labelNames: ["route", "method"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.graphqlOperations = new Counter({
      name: "graphql_operations_total",
      help: "GraphQL operations executed, by type and outcome (ok or error)",
      labelNames: ["operation_type", "outcome"],
      registers: [this.registry],
    });
    this.graphqlDuration = new Histogram({
      name: "graphql_operation_duration_seconds",
      help: "Time from request parsed to response ready",
      labelNames: ["operation_type"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.dbQueries = new Counter({
      name: "db_queries_total",
      help: "SQL statements sent to PostgreSQL",
      registers: [this.registry],
    });
  }
}
