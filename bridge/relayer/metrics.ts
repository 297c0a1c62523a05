import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export type RelayerTaskName = "deposits" | "checkpoints" | "exits";

/**
 * The relayer's Prometheus metrics (DESIGN.md §7). An own registry instead of prom-client's global one, so two
 * relayers in one process (tests) never collide on a metric name.
 */
export class RelayerMetrics {
  readonly registry = new Registry();
  readonly pendingDeposits = new Gauge({
    name: "outrigger_relayer_pending_deposits",
    help: "Deposits confirmed on L1 and not yet minted on the sidechain",
    registers: [this.registry],
  });
  readonly pendingCheckpoints = new Gauge({
    name: "outrigger_relayer_pending_checkpoints",
    help: "Certified checkpoints not yet accepted on L1",
    registers: [this.registry],
  });
  readonly pendingExits = new Gauge({
    name: "outrigger_relayer_pending_exits",
    help: "Withdrawals not yet paid on L1 (waiting for a checkpoint, for an exit, or queued)",
    registers: [this.registry],
  });
  readonly depositsSubmitted = new Counter({
    name: "outrigger_relayer_deposits_submitted_total",
    help: "Deposit claims this relayer handed to the sidechain (each nonce counted once)",
    registers: [this.registry],
  });
  readonly checkpointsSubmitted = new Counter({
    name: "outrigger_relayer_checkpoints_submitted_total",
    help: "Checkpoints this relayer got accepted on L1",
    registers: [this.registry],
  });
  readonly exits = new Counter({
    name: "outrigger_relayer_exits_total",
    help: "Bridge.exit calls this relayer got mined (paid or queued)",
    registers: [this.registry],
  });
  readonly releases = new Counter({
    name: "outrigger_relayer_queued_exits_released_total",
    help: "Queued exits this relayer released",
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "outrigger_relayer_errors_total",
    help: "Failed task runs and rejected submissions, by task",
    labelNames: ["task"] as const,
    registers: [this.registry],
  });
  readonly checkpointGas = new Gauge({
    name: "outrigger_relayer_checkpoint_gas",
    help: "Gas used by the last checkpoint submission",
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "outrigger_process_" });
  }
}
