import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { NodeMetrics } from "./metrics.ts";
import { metricsRoute } from "./metricsRoute.ts";

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A Prometheus endpoint on its own address (config metrics.port), so an operator can let the scraper in without
 * exposing JSON-RPC, or the reverse: geth's --metrics.addr does the same.
 */
export async function startMetricsServer(
  opts: { host: string; port: number },
  modules: { metrics: Pick<NodeMetrics, "registry"> },
): Promise<MetricsServer> {
  const route = metricsRoute(modules.metrics);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found: metrics are at GET /metrics\n");
      return;
    }
    void route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
