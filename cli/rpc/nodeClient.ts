import {
  Interface,
  isError,
  JsonRpcProvider,
  Network,
  type TransactionReceipt,
  type TransactionResponse,
  Wallet,
} from "ethers";
import { describeTxError } from "../../bridge/client/transactions.ts";
import { SidechainRpc, SidechainRpcError } from "../../bridge/sidechainRpc.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { SIDECHAIN_TOKEN_ABI, STAKING_ABI } from "../../node/types/abis.ts";
import type { BridgedToken, NodeStatusInfo, ValidatorsInfo } from "../../node/types/rpc/index.ts";
import type { Commit } from "../../node/types/shapes.ts";
import { errorMessage } from "../../node/util/errors.ts";
import type { Output } from "../format/output.ts";

export const tokenInterface = new Interface([...SIDECHAIN_TOKEN_ABI]);
export const stakingInterface = new Interface([...STAKING_ABI]);

/** The node could not be asked, or answered something unusable: a failure (exit 1), not a usage error. */
export class NodeClientError extends Error {
  override readonly name = "NodeClientError";
}

/**
 * What the operator commands ask a node, over its JSON-RPC only (outrigger_* and eth_*), so they work against any
 * node, local or remote. Tests give the commands a fake of this.
 */
export interface NodeClient {
  readonly url: string;
  status(): Promise<NodeStatusInfo>;
  /** The set that signs `height`, or the next block's set without one; null for a height the node lacks. */
  validators(height?: number): Promise<ValidatorsInfo | null>;
  commit(height: number | "latest"): Promise<Commit | null>;
  /** The L1 tokens bridged so far; none on a chain without an L1 bridge. */
  bridgedTokens(): Promise<BridgedToken[]>;
  balance(address: Address): Promise<bigint>;
  code(address: Address): Promise<Hex>;
  /** eth_call at the latest block; throws NodeClientError with the revert reason if the call fails. */
  call(to: Address, data: Hex): Promise<Hex>;
  /**
   * Signs and sends a call (gas estimated first, so a call that would revert is refused here with the node's
   * reason and nothing is sent); with `wait`, also waits for its receipt.
   */
  send(privateKey: Hex, to: Address, data: Hex, opts: SendOptions): Promise<SentTx>;
  close(): void;
}

export interface SendOptions {
  wait: boolean;
  timeoutMs: number;
}

export interface SentTx {
  hash: Hex;
  from: Address;
  /** null without `wait`. */
  receipt: {
    blockNumber: number;
    status: "success" | "reverted";
    logs: { topics: Hex[]; data: Hex; address: Address }[];
  } | null;
}

/** The node refused the transaction (a revert found by the gas estimate, a fee or nonce problem): nothing was sent. */
export class TransactionRefusedError extends NodeClientError {}

/** Seams for tests of the commands that use a node: a fake node shows what is asked, and that bad input asks nothing. */
export interface NodeCommandDeps {
  out?: Output;
  connect?: (url: string) => NodeClient;
}

/** Calls the node's RPC lazily: creating a client touches no network, so bad input fails first. */
export function createNodeClient(url: string, opts: { timeoutMs?: number } = {}): NodeClient {
  const rpc = new SidechainRpc(url, { timeoutMs: opts.timeoutMs ?? 10_000 });
  let connecting: Promise<JsonRpcProvider> | null = null;

  const ask = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      const message = errorMessage(err);
      throw new NodeClientError(message.includes(url) ? message : `node at ${url}: ${message}`);
    }
  };

  const provider = () => {
    connecting ??= ask(() => rpc.status()).then(
      // A static network stops ethers from retrying network detection forever against a dead URL.
      ({ chainId }) =>
        new JsonRpcProvider(url, Network.from(chainId), {
          staticNetwork: true,
          pollingInterval: 250,
          cacheTimeout: -1,
        }),
    );
    return connecting;
  };

  const eth = async <T>(method: string, params: unknown[]): Promise<T> => {
    const p = await provider();
    try {
      return (await p.send(method, params)) as T;
    } catch (err) {
      throw new NodeClientError(`${method} at ${url}: ${nodeMessage(err)}`);
    }
  };

  return {
    url,
    status: () => ask(() => rpc.status()),
    validators: (height) =>
      ask(() => (height === undefined ? rpc.currentValidators() : rpc.validators(height))),
    commit: (height) => ask(() => rpc.commit(height)),
    async bridgedTokens() {
      try {
        return (await rpc.bridgeInfo()).tokens;
      } catch (err) {
        // A chain without L1 answers this with a server error; it simply has no bridged tokens.
        if (err instanceof SidechainRpcError && err.code === -32000) return [];
        throw new NodeClientError(`node at ${url}: ${errorMessage(err)}`);
      }
    },
    balance: async (address) => BigInt(await eth<Hex>("eth_getBalance", [address, "latest"])),
    code: (address) => eth<Hex>("eth_getCode", [address, "latest"]),
    call: (to, data) => eth<Hex>("eth_call", [{ to, data }, "latest"]),
    async send(privateKey, to, data, opts) {
      const wallet = new Wallet(privateKey, await provider());
      let tx: TransactionResponse;
      try {
        tx = await wallet.sendTransaction({ to, data });
      } catch (err) {
        // A revert string reads best alone ("staking: amount exceeds balance"), not as Error(...).
        const reason = isError(err, "CALL_EXCEPTION") ? err.reason : null;
        throw new TransactionRefusedError(reason ?? describeTxError(err));
      }
      const sent = { hash: tx.hash as Hex, from: wallet.address.toLowerCase() as Address };
      if (!opts.wait) return { ...sent, receipt: null };
      let receipt: TransactionReceipt | null;
      try {
        // Unlike tx.wait(), this resolves with a reverted tx's receipt too: its status is reported, not thrown.
        receipt = await tx.provider.waitForTransaction(tx.hash, 1, opts.timeoutMs);
      } catch (err) {
        throw new NodeClientError(
          `tx ${tx.hash} was sent but is not in a block yet (${nodeMessage(err)}); look it up later with eth_getTransactionReceipt`,
        );
      }
      if (receipt === null) throw new NodeClientError(`tx ${tx.hash} was sent but no receipt came back`);
      return {
        ...sent,
        receipt: {
          blockNumber: receipt.blockNumber,
          status: receipt.status === 1 ? "success" : "reverted",
          logs: receipt.logs.map((l) => ({
            topics: [...l.topics] as Hex[],
            data: l.data as Hex,
            address: l.address.toLowerCase() as Address,
          })),
        },
      };
    },
    close() {
      connecting?.then((p) => p.destroy()).catch(() => {});
      connecting = null;
    },
  };
}

/** The node's own message from an ethers error ("execution reverted: staking: ..."), not ethers' wrapper. */
export function nodeMessage(err: unknown): string {
  const e = err as { error?: { message?: unknown }; shortMessage?: unknown };
  if (typeof e.error?.message === "string") return e.error.message;
  if (typeof e.shortMessage === "string") return e.shortMessage;
  return errorMessage(err);
}
