import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { errorMessage } from "./errors.ts";

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * GET /metrics of a prom-client registry on its own address, as geth's --metrics.addr: an operator lets the
 * scraper in without exposing anything else. Loopback unless the host says otherwise (a container sets 0.0.0.0).
 */
export async function serveMetrics(
  registry: Registry,
  opts: { port: number; host?: string },
): Promise<MetricsServer> {
  const host = opts.host ?? "127.0.0.1";
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${errorMessage(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
