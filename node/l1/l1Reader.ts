import type { JsonRpcPayload, JsonRpcResult } from "ethers/providers";
import type { Address, Hex } from "../crypto/index.ts";
import { CHECKPOINT_MANAGER_ABI, L1_BRIDGE_ABI } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";

/** L1 could not answer now (down, slow, wrong chain): the caller retries instead of judging anything. */
export class L1UnavailableError extends Error {
  override readonly name = "L1UnavailableError";
}

export interface L1ReaderOptions {
  url: string;
  chainId: bigint;
  bridge: Address;
  checkpointManager: Address;
  /** Blocks behind latest that count as final; 0 means the `finalized` tag (genesis l1.confirmations). */
  confirmations: number;
  timeoutMs?: number;
  /** Told of every JSON-RPC request sent to L1, by what it asks (for the node's metrics). */
  onRequest?: (call: L1Call) => void;
}

/** What an L1 JSON-RPC request asks, by method; a method this reader does not use keeps its own name. */
export type L1Call = "chainId" | "blockNumber" | "finalizedBlock" | "depositHash" | "checkpointLogs" | string;

const CALL_OF_METHOD: Record<string, L1Call> = {
  eth_chainId: "chainId",
  eth_blockNumber: "blockNumber",
  // The only block this reader fetches whole is the `finalized` one.
  eth_getBlockByNumber: "finalizedBlock",
  // The only contract call is Bridge.depositHash.
  eth_call: "depositHash",
  eth_getLogs: "checkpointLogs",
};

/** A CheckpointSubmitted event: where a checkpoint landed on L1. */
export interface CheckpointSubmission {
  number: number;
  txHash: Hex;
  blockNumber: number;
}

export interface L1Reader {
  /** The L1 block number that counts as final now. */
  confirmedBlock(): Promise<number>;
  /** Bridge.depositHash(nonce) at the confirmed block: ZERO_HASH while the deposit is not (yet) final there. */
  confirmedDepositHash(nonce: bigint): Promise<Hex>;
  /** Bridge.depositHash(nonce) at L1 block `block`: one request, for a caller that already knows the block. */
  depositHashAt(nonce: bigint, block: number): Promise<Hex>;
  /** CheckpointSubmitted events in the L1 block range [from, to]. */
  checkpointSubmissions(from: number, to: number): Promise<CheckpointSubmission[]>;
  latestBlock(): Promise<number>;
  close(): void;
}

/**
 * The node's read-only view of the L1 contracts, over ethers. Every failure becomes L1UnavailableError, so a
 * caller can tell "L1 said no" (a value) from "L1 said nothing" (an exception).
 */
export async function createL1Reader(opts: L1ReaderOptions): Promise<L1Reader> {
  // Loaded here, not at the top: ethers' providers and contracts add ~6 MB RSS that a node without L1 never uses.
  const [{ Contract }, { JsonRpcProvider, Network }] = await Promise.all([
    import("ethers/contract"),
    import("ethers/providers"),
  ]);
  // A static network skips ethers' chain detection, which retries forever in the background while L1 is down;
  // no response cache, or a check right after a deposit would read the block before it for 250 ms.
  const onRequest = opts.onRequest;
  // Counted where the payload is sent, so every request is seen, ethers' own ones included.
  class CountingProvider extends JsonRpcProvider {
    override _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
      if (onRequest !== undefined)
        for (const { method } of Array.isArray(payload) ? payload : [payload])
          onRequest(CALL_OF_METHOD[method] ?? method);
      return super._send(payload);
    }
  }
  const provider = new CountingProvider(opts.url, Network.from(opts.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  provider.pollingInterval = 1_000;
  const bridge = new Contract(opts.bridge, L1_BRIDGE_ABI, provider);
  const manager = new Contract(opts.checkpointManager, CHECKPOINT_MANAGER_ABI, provider);
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let chainChecked = false;

  async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      if (!chainChecked) {
        const id = BigInt(await Promise.race([provider.send("eth_chainId", []), deadline]));
        if (id !== opts.chainId)
          throw new Error(`L1 at ${opts.url} has chain id ${id}, genesis says ${opts.chainId}`);
        chainChecked = true;
      }
      return await Promise.race([work(), deadline]);
    } catch (err) {
      throw new L1UnavailableError(`L1 ${what}: ${errorMessage(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async function confirmedBlock(): Promise<number> {
    if (opts.confirmations === 0) {
      const block = await provider.getBlock("finalized");
      if (block === null) throw new Error("L1 has no finalized block");
      return block.number;
    }
    return Math.max(0, (await provider.getBlockNumber()) - opts.confirmations);
  }

  async function depositHashAt(nonce: bigint, blockTag: number): Promise<Hex> {
    const hash = (await bridge.getFunction("depositHash").staticCall(nonce, { blockTag })) as string;
    return hash.toLowerCase() as Hex;
  }

  return {
    confirmedBlock: () => guarded("confirmed block", confirmedBlock),
    confirmedDepositHash: (nonce) =>
      guarded(`depositHash(${nonce})`, async () => depositHashAt(nonce, await confirmedBlock())),
    depositHashAt: (nonce, block) => guarded(`depositHash(${nonce})`, () => depositHashAt(nonce, block)),
    checkpointSubmissions: (from, to) =>
      guarded("CheckpointSubmitted logs", async () => {
        const logs = await manager.queryFilter("CheckpointSubmitted", from, to);
        return logs.flatMap((log) => {
          const parsed = manager.interface.parseLog(log);
          if (parsed === null) return [];
          return [
            {
              number: Number(parsed.args[0]),
              txHash: log.transactionHash.toLowerCase() as Hex,
              blockNumber: log.blockNumber,
            },
          ];
        });
      }),
    latestBlock: () => guarded("block number", () => provider.getBlockNumber()),
    close: () => provider.destroy(),
  };
}
