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

class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(`kept-alive socket closed by the server: ${cause.message}`, { cause });
    this.name = "StaleSocketError";
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

  /**
   * One retry when a reused keep-alive socket turns out closed by the server (its idle timeout raced the send):
   * the request may not have reached it, and Node's documentation prescribes exactly this retry.
   */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params });
    try {
      return await this.post<T>(body);
    } catch (err) {
      if (err instanceof StaleSocketError) return this.post<T>(body);
      throw err;
    }
  }

  private post<T>(body: string): Promise<T> {
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
      req.on("error", (err: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
        reject(stale ? new StaleSocketError(err) : err);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
