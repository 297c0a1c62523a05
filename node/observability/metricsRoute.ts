import type { IncomingMessage, ServerResponse } from "node:http";
import type { NodeMetrics } from "./metrics.ts";

/** The Prometheus scrape endpoint, served by the RPC server next to JSON-RPC. */
export function metricsRoute(metrics: Pick<NodeMetrics, "registry">) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  };
}
