import { Contract, JsonRpcProvider, Network } from "ethers";
import type { Hex } from "../../node/crypto/index.ts";
import { CHECKPOINT_MANAGER_ABI } from "../../node/types/abis.ts";
import type { BridgeInfo } from "../../node/types/rpc/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { SidechainRpc } from "../sidechainRpc.ts";
import { l1BridgeInterface, sidechainBridgeInterface } from "./abi.ts";
import { BridgeClientError, InconsistentStateError } from "./errors.ts";

/** Both chains as one client sees them: the sidechain's outrigger_* and eth_* endpoints, and L1. */
export interface BridgeContext {
  rpc: SidechainRpc;
  l1: JsonRpcProvider;
  l2: JsonRpcProvider;
  /** Fetched at connect; `refreshInfo` re-reads it when a newer token or id is needed. */
  info: BridgeInfo;
  l1Bridge: Contract;
  checkpointManager: Contract;
  l2Bridge: Contract;
  refreshInfo(): Promise<BridgeInfo>;
  close(): void;
}

export interface ConnectOptions {
  rpcUrl: string;
  l1RpcUrl: string;
  /** Poll interval of transaction waits; the sidechain makes a block about every second. */
  pollingIntervalMs?: number;
  rpcTimeoutMs?: number;
}

async function chainIdOf(provider: JsonRpcProvider, what: string, url: string): Promise<bigint> {
  try {
    return BigInt((await provider.send("eth_chainId", [])) as Hex);
  } catch (err) {
    throw new BridgeClientError(`cannot reach ${what} at ${url}: ${errorMessage(err)}`);
  }
}

/**
 * Connects to both chains and checks that the L1 endpoint is the chain the sidechain's bridge lives on, since
 * an L1 URL pointing at another network would make every L1 read silently wrong.
 */
export async function connectBridge(opts: ConnectOptions): Promise<BridgeContext> {
  const rpc = new SidechainRpc(opts.rpcUrl, { timeoutMs: opts.rpcTimeoutMs ?? 10_000 });
  let info: BridgeInfo;
  let l2ChainId: bigint;
  try {
    [info, { chainId: l2ChainId }] = await Promise.all([rpc.bridgeInfo(), rpc.status()]);
  } catch (err) {
    throw new BridgeClientError(`cannot reach the sidechain node at ${opts.rpcUrl}: ${errorMessage(err)}`);
  }
  // A static network stops ethers from retrying network detection forever against a dead URL.
  const providerOptions = {
    staticNetwork: true,
    pollingInterval: opts.pollingIntervalMs ?? 500,
    cacheTimeout: -1,
  };
  const l1 = new JsonRpcProvider(opts.l1RpcUrl, Network.from(info.l1ChainId), providerOptions);
  const l2 = new JsonRpcProvider(opts.rpcUrl, Network.from(l2ChainId), providerOptions);
  const close = () => {
    l1.destroy();
    l2.destroy();
  };
  try {
    const l1ChainId = await chainIdOf(l1, "L1", opts.l1RpcUrl);
    if (l1ChainId !== info.l1ChainId) {
      throw new InconsistentStateError(
        `L1 at ${opts.l1RpcUrl} has chain id ${l1ChainId}, but the sidechain's bridge is on chain ${info.l1ChainId}`,
      );
    }
  } catch (err) {
    close();
    throw err;
  }
  const context: BridgeContext = {
    rpc,
    l1,
    l2,
    info,
    l1Bridge: new Contract(info.bridge, l1BridgeInterface, l1),
    checkpointManager: new Contract(info.checkpointManager, CHECKPOINT_MANAGER_ABI, l1),
    l2Bridge: new Contract(info.systemContracts.bridge, sidechainBridgeInterface, l2),
    async refreshInfo() {
      context.info = await rpc.bridgeInfo();
      return context.info;
    },
    close,
  };
  return context;
}
