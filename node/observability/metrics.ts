import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The node's Prometheus metrics (DESIGN.md §7), names with unit suffixes; served on /metrics of the RPC port. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly height = new Gauge({
    name: "outrigger_chain_height",
    help: "Last committed height",
    registers: [this.registry],
  });
  readonly stalled = new Gauge({
    name: "outrigger_chain_stalled",
    help: "1 while the node has seen no new height for its stall alarm time (node.stall_alarm_s), else 0",
    registers: [this.registry],
  });
  readonly secondsSinceBlock = new Gauge({
    name: "outrigger_chain_seconds_since_block",
    help: "Seconds since this node last committed a block",
    registers: [this.registry],
  });
  readonly round = new Gauge({
    name: "outrigger_consensus_round",
    help: "Round of the current height",
    registers: [this.registry],
  });
  readonly peers = new Gauge({
    name: "outrigger_p2p_peers",
    help: "Connected peers",
    registers: [this.registry],
  });
  readonly peersDisconnected = new Counter({
    name: "outrigger_p2p_peers_disconnected_total",
    help: "Peers disconnected and banned for misbehaving, by reason (gossip-score, penalties)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly penalties = new Counter({
    name: "outrigger_p2p_penalties_total",
    help: "Penalties given to peers outside gossip validation, by cause (bad-request, bad-response, bad-block, rate-limited)",
    labelNames: ["cause"] as const,
    registers: [this.registry],
  });
  readonly mempoolSize = new Gauge({
    name: "outrigger_mempool_txs",
    help: "Transactions in the mempool",
    registers: [this.registry],
  });
  readonly droppedTxs = new Counter({
    name: "outrigger_mempool_dropped_txs_total",
    help: "Accepted transactions that left the mempool uncommitted, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly busyRefusedTxs = new Counter({
    name: "outrigger_mempool_busy_refused_txs_total",
    help: "Transactions refused (RPC) or ignored (gossip) because too many waited for their check",
    registers: [this.registry],
  });
  readonly blockInterval = new Histogram({
    name: "outrigger_block_interval_seconds",
    help: "Time between consecutive committed blocks' header times",
    buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
    registers: [this.registry],
  });
  readonly committedTxs = new Counter({
    name: "outrigger_committed_txs_total",
    help: "Transactions committed",
    registers: [this.registry],
  });
  readonly syncedBlocks = new Counter({
    name: "outrigger_synced_blocks_total",
    help: "Blocks applied by block sync",
    registers: [this.registry],
  });

  readonly regossipMessages = new Counter({
    name: "outrigger_p2p_regossip_messages_total",
    help: "Checkpoint signatures and deposit claims gossiped again while not yet certified and included, or minted",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly regossipBytes = new Counter({
    name: "outrigger_p2p_regossip_bytes_total",
    help: "Bytes of the payloads counted in outrigger_p2p_regossip_messages_total",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly fetchedHeld = new Counter({
    name: "outrigger_p2p_held_fetched_items_total",
    help: "Checkpoint signatures and deposit claims this node lacked and got by asking peers (held protocol)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  readonly pendingDepositClaims = new Gauge({
    name: "outrigger_bridge_pending_deposit_claims",
    help: "Deposit claims confirmed on L1 and waiting for a block",
    registers: [this.registry],
  });
  readonly mintedDeposits = new Counter({
    name: "outrigger_bridge_deposits_minted_total",
    help: "Deposits minted by committed blocks",
    registers: [this.registry],
  });
  readonly l1Requests = new Counter({
    name: "outrigger_l1_requests_total",
    help: "JSON-RPC requests this node sent to L1, by what they ask",
    labelNames: ["call"] as const,
    registers: [this.registry],
  });
  readonly l1Busy = new Counter({
    name: "outrigger_l1_busy_total",
    help: "Callers refused at once because too many L1 requests were already waiting",
    registers: [this.registry],
  });

  readonly pendingEvidence = new Gauge({
    name: "outrigger_evidence_pending",
    help: "Double-sign evidence this node holds, verified and waiting for a block",
    registers: [this.registry],
  });
  readonly committedEvidence = new Counter({
    name: "outrigger_evidence_committed_total",
    help: "Double-sign evidence carried by committed blocks",
    registers: [this.registry],
  });

  // Labelled by validator address: at most MAX_VALIDATORS series each, the active set's.
  readonly validatorStake = new Gauge({
    name: "outrigger_validator_stake_wei",
    help: "Bonded stake of each validator of the active set, in base units",
    labelNames: ["validator"],
    registers: [this.registry],
  });
  readonly validatorJailed = new Gauge({
    name: "outrigger_validator_jailed",
    help: "1 while a validator of the active set is jailed (it leaves the set at the epoch end)",
    labelNames: ["validator"],
    registers: [this.registry],
  });
  readonly validatorSlashed = new Gauge({
    name: "outrigger_validator_slashed_wei",
    help: "Stake ever slashed from each validator of the active set, in base units",
    labelNames: ["validator"],
    registers: [this.registry],
  });
  readonly validatorMissed = new Gauge({
    name: "outrigger_validator_missed_blocks",
    help: "Precommits each validator of the active set missed in the downtime window",
    labelNames: ["validator"],
    registers: [this.registry],
  });

  readonly checkpointsNotOnL1 = new Gauge({
    name: "outrigger_bridge_checkpoints_not_on_l1",
    help: "Certified checkpoints this node holds that L1 has not accepted yet (the relayer's lag)",
    registers: [this.registry],
  });

  readonly rpcLimited = new Counter({
    name: "outrigger_rpc_limited_total",
    help: "RPC requests and connections refused by a limit (rate, connections, timeout, sizes, ranges, calls)",
    labelNames: ["limit"],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "outrigger_process_" });
  }
}
