import type { ChainOptions } from "../chain/chain.ts";
import type { CheckpointingOptions } from "../checkpoint/checkpointing.ts";
import type { Hex } from "../crypto/index.ts";
import type { TopicHandlersOptions } from "../p2p/topicHandlers.ts";
import { DEFAULT_TX_GOSSIP } from "../p2p/txGossip.ts";
import type { RpcPublicLimits } from "../rpc/index.ts";
import type { SyncServiceOptions } from "../sync/syncService.ts";
import { type Genesis, genesisHash } from "./genesis.ts";
import type { NodeConfig } from "./nodeConfig.ts";
import { NODE_TUNABLES } from "./nodeTunables.ts";

// Each service's options derived from the genesis, the node's config and its tunables, so node.ts only wires.

/** The pace the node's periodic work follows: the commit timeout, never faster than twice a second. */
export function blockIntervalMs(genesis: Genesis): number {
  return Math.max(genesis.timeouts.commitMs, 500);
}

export function chainOptions(genesis: Genesis): ChainOptions {
  return {
    chainId: genesis.chainId,
    genesisHash: genesisHash(genesis),
    genesisTime: genesis.genesisTime,
    maxClockDriftMs: genesis.maxClockDriftMs,
    maxBlockTxs: NODE_TUNABLES.maxBlockTxs,
    maxBlockTxBytes: NODE_TUNABLES.maxBlockTxBytes,
    buildBudgetMs: genesis.timeouts.proposeMs * NODE_TUNABLES.buildBudgetShare,
  };
}

/** Checkpoints exist only for a chain with an L1 to verify them: null without one. */
export function checkpointingOptions(
  genesis: Genesis,
  validatorKey: Hex | null,
): CheckpointingOptions | null {
  if (genesis.l1 === null) return null;
  return {
    sidechainId: genesis.chainId,
    epochLength: genesis.epochLength,
    domain: { l1ChainId: genesis.l1.chainId, checkpointManager: genesis.l1.checkpointManager },
    validatorKey,
    earlySignatureWaitMs: NODE_TUNABLES.earlyCheckpointSignatureWaitMs,
  };
}

export function syncOptions(genesis: Genesis, config: NodeConfig): SyncServiceOptions {
  return {
    waitForPeers: config.persistentPeers.length > 0,
    peerWaitMs: NODE_TUNABLES.peerWaitMs,
    checkEveryMs: blockIntervalMs(genesis),
    stallAfterMs: NODE_TUNABLES.stallIntervals * blockIntervalMs(genesis),
  };
}

export function topicHandlersOptions(genesis: Genesis): TopicHandlersOptions {
  return {
    chainId: genesis.chainId,
    txGossip: { ...DEFAULT_TX_GOSSIP, regossipMs: NODE_TUNABLES.txRegossipMs },
  };
}

export function rpcLimits(config: NodeConfig): RpcPublicLimits {
  return {
    ratePerSecond: config.rpcRateLimitPerSecond,
    rateBurst: config.rpcRateLimitBurst,
    exemptLoopback: config.rpcExemptLoopback,
    maxConnections: config.rpcMaxConnections,
    maxConnectionsPerClient: config.rpcMaxConnectionsPerClient,
    requestTimeoutMs: config.rpcRequestTimeoutSeconds * 1000,
    maxConcurrentCalls: config.rpcMaxConcurrentCalls,
    maxLogBlockRange: config.rpcMaxLogBlockRange,
    maxLogResults: config.rpcMaxLogResults,
  };
}
