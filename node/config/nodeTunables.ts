/**
 * The node's fixed operating limits, in one place so an operator reading the code finds them together (a later
 * config section may expose some of them).
 */
export const NODE_TUNABLES = {
  maxBlockTxs: 2_000,
  maxBlockTxBytes: 2 * 1024 * 1024,
  /**
   * The share of the propose timeout a proposer may spend building, and that its block may cost a validator to
   * check: the rest is for gossip, the validators' own work and their votes.
   */
  buildBudgetShare: 0.25,
  /** How often the node gossips again the transactions it holds that no block has taken yet. */
  txRegossipMs: 2_000,
  /** How long a starting node waits for a first peer before it syncs and joins consensus. */
  peerWaitMs: 5_000,
  /** A node that has not committed for this many block intervals asks its peers for blocks and votes. */
  stallIntervals: 4,
  /** How long a checkpoint signature that arrives before this node ends the epoch waits for it to. */
  earlyCheckpointSignatureWaitMs: 5_000,
  /** How often the node reads L1 for checkpoint submissions (RPC's L1 status). */
  l1PollMs: 2_000,
  /** Signatures the shared verifier remembers: several heights of votes of a large validator set. */
  verifierCacheSize: 20_000,
} as const;
