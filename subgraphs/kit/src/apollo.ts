import type { Server } from "node:http";
import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { formatError } from "./errors.js";
import { loggableError, type Logger } from "./logger.js";
import type { ServiceMetrics } from "./metrics.js";

function operationMetrics(metrics: ServiceMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      let operationType = "unknown";
      return {
        async didResolveOperation({ operation }) {
          operationType = operation?.operation ?? "unknown";
        },
        async willSendResponse({ errors }) {
          const outcome = errors && errors.length > 0 ? "error" : "ok";
          metrics.graphqlOperations.inc({ operation_type: operationType, outcome });
          metrics.graphqlDuration.observe({ operation_type: operationType }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

/** The options every Apollo Server of repti-core shares: error masking, metrics, draining on stop. */
export function commonApolloOptions<TContext extends BaseContext>(options: {
  log: Logger;
  metrics: ServiceMetrics;
  httpServer: Server;
}): Pick<ApolloServerOptions<TContext>, "formatError" | "plugins" | "includeStacktraceInErrorResponses" | "stopOnTerminationSignals"> {
  return {
    // The process entry (runAsProcess) owns signals and stops every server, pools last; Apollo's own handler
    // would stop just its server and re-raise the signal, killing the process mid-shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, original) =>
      formatError(formatted, (masked, cause) => options.log.error({ err: loggableError(cause), path: masked.path }, "unexpected error"), original),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }), operationMetrics(options.metrics)],
  };
}
