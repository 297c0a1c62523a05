import { Agent, request } from "node:http";

/** A JSON-RPC error as the node answered it. */
export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "RpcCallError";
  }
}

/**
 * JSON-RPC over HTTP with keep-alive connections, at most maxSockets of them, so a load of thousands of sends a
 * second reuses a few sockets instead of opening one per request.
 */
export class RpcClient {
  private readonly agent: Agent;
  private readonly url: URL;
  private nextId = 1;

  constructor(url: string, maxSockets: number) {
    this.url = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  call<T>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params });
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path: "/",
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            try {
              const reply = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
                result?: T;
                error?: { code: number; message: string };
              };
              if (reply.error) reject(new RpcCallError(reply.error.code, reply.error.message));
              else resolve(reply.result as T);
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
