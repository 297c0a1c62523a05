import { createConnection, createServer, type Server, type Socket } from "node:net";

/** What a link does to the bytes it carries, per direction (forward = from the dialling node to the target). */
export interface LinkShape {
  /** Bytes forward (dialler → target) pass; false drops them silently, as a one-way partition does. */
  forward: boolean;
  /** Bytes backward (target → dialler) pass. */
  backward: boolean;
  /** Added to every chunk, in order, per direction. */
  delayMs: number;
  /** Up to this much more on a chunk, at random (never reordering: a TCP stream keeps its order). */
  jitterMs: number;
  /**
   * The share of chunks that are "lost": TCP retransmits them, so a loss shows as a retransmission delay
   * (retransmitMs) on that chunk and on everything behind it, not as a gap in the stream.
   */
  loss: number;
  retransmitMs: number;
}

export const OPEN_LINK: LinkShape = {
  forward: true,
  backward: true,
  delayMs: 0,
  jitterMs: 0,
  loss: 0,
  retransmitMs: 200,
};

interface Pair {
  client: Socket;
  server: Socket;
}

/**
 * A TCP proxy on 127.0.0.1 for one directed link (node A dials node B through it). It binds port 0 and reads the
 * port back, so no port is chosen ahead and found taken. The target may change (B restarted on a new port) or be
 * unknown (B down): a connection is then refused by closing it, as a dial to a stopped node is.
 */
export class LinkProxy {
  private target: { host: string; port: number } | null = null;
  private shape: LinkShape = { ...OPEN_LINK };
  private readonly pairs = new Set<Pair>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly random: () => number,
  ) {}

  static async start(opts: { random?: () => number } = {}): Promise<LinkProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
    const proxy = new LinkProxy(server, address.port, opts.random ?? Math.random);
    server.on("connection", (socket) => proxy.accept(socket));
    return proxy;
  }

  /** Where connections go from now on; null refuses new ones. Open connections to an old target are closed. */
  setTarget(target: { host: string; port: number } | null): void {
    const same = target !== null && this.target?.host === target.host && this.target.port === target.port;
    this.target = target;
    if (!same) this.reset();
  }

  /** Both directions closed: open connections are reset and new ones refused until the link is reshaped. */
  get cut(): boolean {
    return !this.shape.forward && !this.shape.backward;
  }

  /**
   * Changes what the link does. A link that dropped bytes in some direction carries a broken stream (the
   * encrypted framing lost bytes), so healing it resets its connections and the nodes dial again, clean.
   */
  reshape(shape: Partial<LinkShape>): void {
    const wasDropping = !this.shape.forward || !this.shape.backward;
    this.shape = { ...this.shape, ...shape };
    if (this.cut || (wasDropping && this.shape.forward && this.shape.backward)) this.reset();
  }

  get current(): LinkShape {
    return { ...this.shape };
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  reset(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const target = this.target;
    if (target === null || this.cut) {
      client.destroy();
      return;
    }
    const server = createConnection({ host: target.host, port: target.port });
    const pair = { client, server };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on("error", close).on("close", close);
    server.on("error", close).on("close", close);
    this.relay(client, server, "forward");
    this.relay(server, client, "backward");
  }

  /**
   * Copies one direction in order, each chunk held for the link's delay at the moment it came. One queue and one
   * timer per direction: timers of different lengths that fall due together may fire in any order, which would
   * reorder (and so corrupt) the stream.
   */
  private relay(from: Socket, to: Socket, direction: "forward" | "backward"): void {
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drain = () => {
      timer = undefined;
      while (queue.length > 0 && (queue[0]?.due ?? 0) <= Date.now()) {
        const next = queue.shift();
        if (next && !to.destroyed) to.write(next.chunk);
      }
      const head = queue[0];
      if (head) timer = setTimeout(drain, Math.max(0, head.due - Date.now()));
    };
    from.on("data", (chunk: Buffer) => {
      const shape = this.shape;
      if (!shape[direction]) return;
      const lost = shape.loss > 0 && this.random() < shape.loss;
      const wait = shape.delayMs + shape.jitterMs * this.random() + (lost ? shape.retransmitMs : 0);
      if (wait <= 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      // Never before the chunk ahead of it: a stream keeps its order, so a late chunk holds up those behind.
      const due = Math.max(Date.now() + wait, queue.at(-1)?.due ?? 0);
      queue.push({ due, chunk });
      if (timer === undefined) timer = setTimeout(drain, Math.max(0, due - Date.now()));
    });
    to.on("close", () => {
      clearTimeout(timer);
      queue.length = 0;
    });
  }
}
