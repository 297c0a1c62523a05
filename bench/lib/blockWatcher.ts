import WebSocket from "ws";
import { errorMessage } from "../../node/util/errors.ts";
import type { RpcClient } from "./rpcClient.ts";

export interface SeenBlock {
  number: number;
  /** When this process learnt of the block (performance.now()): the commit time of its transactions. */
  seenAt: number;
  txCount: number;
}

export interface BlockWatcherModules {
  /** Where the block bodies (transaction hashes only) are read. */
  rpc: RpcClient;
  /** Each committed transaction hash, with the time its block was seen. */
  onCommitted(hash: string, seenAt: number): void;
}

/**
 * Follows one node's new blocks through a `newHeads` subscription and reads each block's transaction hashes
 * (eth_getBlockByNumber without full transactions): one small request per block, however many transactions the
 * load sends, so watching costs the node next to nothing.
 */
export class BlockWatcher {
  readonly blocks: SeenBlock[] = [];
  private ws: WebSocket | null = null;
  private lastNumber: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private failure: string | null = null;

  constructor(
    private readonly wsUrl: string,
    private readonly modules: BlockWatcherModules,
  ) {}

  async start(): Promise<void> {
    const ws = new WebSocket(this.wsUrl);
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    // Commits after a lost subscription would go unseen and read as losses: say why instead.
    ws.on("close", () => {
      if (this.ws === ws) this.failure ??= "the newHeads subscription closed";
    });
    ws.on("error", (err) => {
      this.failure ??= `newHeads subscription: ${errorMessage(err)}`;
    });
    const subscribed = new Promise<void>((resolve, reject) => {
      ws.on("message", (data: Buffer) => {
        const msg = JSON.parse(data.toString("utf8")) as {
          id?: number;
          error?: { message: string };
          params?: { result?: { number?: string } };
        };
        if (msg.id === 1) {
          if (msg.error) reject(new Error(`eth_subscribe newHeads: ${msg.error.message}`));
          else resolve();
          return;
        }
        const number = msg.params?.result?.number;
        if (number !== undefined) this.onHead(Number.parseInt(number, 16), performance.now());
      });
    });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
    await subscribed;
  }

  /** Why reading blocks failed, if it did: the step's figures are then incomplete. */
  get error(): string | null {
    return this.failure;
  }

  /** Resolves once every head seen so far has been read. */
  settled(): Promise<void> {
    return this.queue;
  }

  private onHead(number: number, seenAt: number): void {
    // A head that skips numbers (a missed notification) stands for the ones between as well.
    const from = this.lastNumber === null ? number : this.lastNumber + 1;
    this.lastNumber = Math.max(this.lastNumber ?? number, number);
    for (let n = from; n <= number; n++) {
      this.queue = this.queue.then(() => this.readBlock(n, seenAt));
    }
  }

  private async readBlock(number: number, seenAt: number): Promise<void> {
    try {
      const block = await this.modules.rpc.call<{ transactions: string[] } | null>("eth_getBlockByNumber", [
        `0x${number.toString(16)}`,
        false,
      ]);
      const hashes = block?.transactions ?? [];
      for (const hash of hashes) this.modules.onCommitted(hash.toLowerCase(), seenAt);
      this.blocks.push({ number, seenAt, txCount: hashes.length });
    } catch (err) {
      this.failure ??= `block ${number}: ${errorMessage(err)}`;
    }
  }

  stop(): void {
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }
}
