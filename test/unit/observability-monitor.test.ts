import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Hex } from "../../node/crypto/index.ts";
import { ChainMonitor } from "../../node/observability/chainMonitor.ts";
import { NodeMetrics } from "../../node/observability/metrics.ts";
import type { Block } from "../../node/types/index.ts";
import { silentLogger } from "../../node/util/logger.ts";

type Listener = (info: { block: Block; blockHash: Hex }) => void;

function block(height: number, time: number, txs: number, deposits: number, evidence = 0): Block {
  return {
    header: { height, time, proposer: `0x${"11".repeat(20)}` },
    txs: Array.from({ length: txs }, () => new Uint8Array([1])),
    depositClaims: Array.from({ length: deposits }, () => ({})),
    evidence: Array.from({ length: evidence }, () => ({})),
  } as unknown as Block;
}

async function value(metrics: NodeMetrics, name: string, sample = name): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = metric?.values as { value: number; metricName?: string }[] | undefined;
  return values?.find((v) => (v.metricName ?? name) === sample)?.value;
}

describe("ChainMonitor", () => {
  it("records each committed block in the metrics and logs it, and samples peers, round and busy refusals", async () => {
    const metrics = new NodeMetrics();
    let listener: Listener | null = null;
    const logged: object[] = [];
    const debugged: object[] = [];
    let dropListener: ((d: { hash: Hex; reason: string; message: string }) => void) | null = null;
    const admission = { refused: 3 };
    const monitor = new ChainMonitor(
      { sampleEveryMs: 3_600_000, stallAlarmMs: 3_600_000 },
      {
        chain: {
          onCommitted: (l) => {
            listener = l;
            return () => {
              listener = null;
            };
          },
        },
        metrics,
        mempool: {
          size: 4,
          onDropped: (l) => {
            dropListener = l;
            return () => {
              dropListener = null;
            };
          },
        },
        admission,
        claims: { size: 1 },
        evidence: { pending: 2 },
        standings: () => [
          { address: `0x${"01".repeat(20)}`, stake: 5n, jailed: false, slashed: 0n, missedInWindow: 0 },
          { address: `0x${"02".repeat(20)}`, stake: 4n, jailed: true, slashed: 1n, missedInWindow: 7 },
        ],
        host: { peerCount: () => 6 },
        consensus: { round: 2 },
        logger: {
          ...silentLogger,
          info: (o, msg) => void (msg === "committed block" && logged.push(o)),
          debug: (o) => void debugged.push(o),
        },
        now: () => 0,
      },
    );
    monitor.start();
    const commit = (b: Block) =>
      (listener as Listener | null)?.({ block: b, blockHash: `0x${"aa".repeat(32)}` });
    commit(block(1, 1_000, 3, 0));
    commit(block(2, 3_000, 2, 1, 1));
    assert.equal(await value(metrics, "outrigger_chain_height"), 2);
    assert.equal(await value(metrics, "outrigger_evidence_committed_total"), 1);
    assert.equal(await value(metrics, "outrigger_evidence_pending"), 2);
    const standing = await metrics.registry.getSingleMetric("outrigger_validator_jailed")?.get();
    assert.deepEqual(standing?.values, [], "standings are sampled, not read at every block");
    monitor.sample();
    const jailed = (await metrics.registry.getSingleMetric("outrigger_validator_jailed")?.get())?.values;
    assert.deepEqual(
      jailed?.map((v) => [v.labels.validator, v.value]),
      [
        [`0x${"01".repeat(20)}`, 0],
        [`0x${"02".repeat(20)}`, 1],
      ],
    );
    const missed = await metrics.registry.getSingleMetric("outrigger_validator_missed_blocks")?.get();
    assert.equal(missed?.values.find((v) => v.labels.validator === `0x${"02".repeat(20)}`)?.value, 7);
    assert.equal(await value(metrics, "outrigger_committed_txs_total"), 5);
    assert.equal(await value(metrics, "outrigger_bridge_deposits_minted_total"), 1);
    assert.equal(await value(metrics, "outrigger_mempool_txs"), 4);
    assert.equal(await value(metrics, "outrigger_bridge_pending_deposit_claims"), 1);
    const interval = "outrigger_block_interval_seconds";
    assert.equal(
      await value(metrics, interval, `${interval}_sum`),
      2,
      "one interval, of 2 s, between the blocks",
    );
    assert.equal(logged.length, 2);
    assert.deepEqual(Object.keys(logged[1] as object).includes("deposits"), true);
    assert.deepEqual(Object.keys(logged[0] as object).includes("deposits"), false);
    monitor.sample();
    assert.equal(await value(metrics, "outrigger_p2p_peers"), 6);
    assert.equal(await value(metrics, "outrigger_consensus_round"), 2);
    const busy = "outrigger_mempool_busy_refused_txs_total";
    assert.equal(await value(metrics, busy), 3);
    admission.refused = 5;
    monitor.sample();
    assert.equal(await value(metrics, busy), 5, "the counter follows the admission's count, not its samples");
    const drop = dropListener as ((d: { hash: Hex; reason: string; message: string }) => void) | null;
    drop?.({
      hash: `0x${"bb".repeat(32)}`,
      reason: "evicted",
      message: "a better-paying transaction took its place",
    });
    drop?.({
      hash: `0x${"cc".repeat(32)}`,
      reason: "evicted",
      message: "a better-paying transaction took its place",
    });
    const dropped = "outrigger_mempool_dropped_txs_total";
    assert.equal(await value(metrics, dropped), 2, "each dropped transaction is counted by reason");
    assert.equal(debugged.length, 2, "and logged");
    monitor.stop();
    assert.equal(listener, null, "stop unsubscribes");
    assert.equal(dropListener, null, "from the mempool too");
  });

  it("says once when no new height came for the alarm time, and again when blocks resume", async () => {
    const metrics = new NodeMetrics();
    let listener: Listener | null = null;
    const warned: string[] = [];
    const infos: string[] = [];
    const clock = { now: 1_000_000 };
    const monitor = new ChainMonitor(
      { sampleEveryMs: 3_600_000, stallAlarmMs: 60_000 },
      {
        chain: {
          onCommitted: (l) => {
            listener = l;
            return () => {};
          },
        },
        metrics,
        mempool: { size: 0, onDropped: () => () => {} },
        admission: { refused: 0 },
        claims: { size: 0 },
        evidence: { pending: 0 },
        standings: () => [],
        host: { peerCount: () => 0 },
        consensus: { round: 0 },
        logger: {
          ...silentLogger,
          warn: (_o, msg) => void warned.push(String(msg)),
          info: (_o, msg) => void infos.push(String(msg)),
        },
        now: () => clock.now,
      },
    );
    monitor.start();
    const commit = (height: number) =>
      (listener as Listener | null)?.({
        block: block(height, height * 1000, 0, 0),
        blockHash: `0x${"aa".repeat(32)}`,
      });
    commit(1);
    clock.now += 59_000;
    monitor.sample();
    assert.equal(await value(metrics, "outrigger_chain_stalled"), 0);
    assert.equal(await value(metrics, "outrigger_chain_seconds_since_block"), 59);
    clock.now += 2_000;
    monitor.sample();
    monitor.sample();
    assert.equal(await value(metrics, "outrigger_chain_stalled"), 1);
    assert.deepEqual(warned, ["no new block for 61 s"], "one warning, not one per sample");
    commit(2);
    assert.equal(await value(metrics, "outrigger_chain_stalled"), 0);
    assert.ok(infos.includes("committing again after a stall"));
    monitor.stop();
  });
});
