import "../node/util/polyfill.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Network } from "../node/p2p/network.ts";
import { loadOrCreatePeerKey } from "../node/p2p/peerKey.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Gossip over real libp2p hosts (tcp + noise + yamux + gossipsub) in one process on 127.0.0.1: one-hop latency
 * of 1 KB messages at low load, and sustained 1 KB messages per second from one publisher to all 3 peers of a
 * 4-host full mesh. Validators accept at once, so this is the transport's ceiling, not the node's. For scale:
 * a 4-validator chain at 1 block/s gossips ~10 consensus messages per second, and one libp2p process here
 * shares one core between all 4 hosts.
 */

const CHAIN_ID = 7447n;
const GENESIS_HASH = `0x${"47".repeat(32)}` as const;
const MESSAGE_BYTES = 1024;
const LATENCY_SAMPLES = 300;
const THROUGHPUT_MESSAGES = 5000;
const REFERENCE = "DESIGN §9 (this machine, earlier): ~1,200-1,400 msg/s to all peers, ~1-2 ms one hop";

const logger = { debug() {}, info() {}, warn() {}, error() {} };

function message(seq: number): Uint8Array {
  // One RLP string: 0xb9 + 2-byte length + body, whose first 4 bytes carry the sequence number.
  const body = new Uint8Array(MESSAGE_BYTES - 3).fill(0x61);
  new DataView(body.buffer).setUint32(0, seq);
  const out = new Uint8Array(MESSAGE_BYTES);
  out.set([0xb9, body.length >> 8, body.length & 0xff]);
  out.set(body, 3);
  return out;
}

function seqOf(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset + 3, 4).getUint32(0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), "outrigger-bench-p2p-"));
  const nets: Network[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      nets.push(
        await Network.create(
          {
            chainId: CHAIN_ID,
            genesisHash: GENESIS_HASH,
            privateKey: await loadOrCreatePeerKey(join(home, String(i))),
            bootstrap: nets.flatMap((n) => n.host.multiaddrs()),
          },
          { logger },
        ),
      );
    }
    const [source, ...peers] = nets as [Network, ...Network[]];
    const received = peers.map(() => new Map<number, number>());
    for (const [i, net] of nets.entries()) {
      net.gossip.setValidator("tx", async () => "accept");
      if (i === 0) continue;
      const seen = received[i - 1] as Map<number, number>;
      net.gossip.onMessage("tx", (data) => seen.set(seqOf(data), performance.now()));
    }
    await until(() => nets.every((n) => n.gossip.topicPeers("tx").length === 3), "subscriptions");
    await until(() => peers.every((p) => p.gossip.meshPeers("tx").length === 3), "the mesh");

    // One hop, low load: one message in flight at a time.
    const first = received[0] as Map<number, number>;
    const latencies: number[] = [];
    for (let seq = 0; seq < LATENCY_SAMPLES; seq++) {
      const sent = performance.now();
      await source.gossip.publish("tx", message(seq));
      await until(() => first.has(seq), `latency sample ${seq}`);
      latencies.push((first.get(seq) ?? Number.NaN) - sent);
    }
    latencies.sort((a, b) => a - b);

    // Sustained: publish as fast as gossipsub accepts, until every peer has every message.
    const base = LATENCY_SAMPLES;
    const start = performance.now();
    for (let seq = base; seq < base + THROUGHPUT_MESSAGES; seq++) {
      await source.gossip.publish("tx", message(seq));
      // Yield now and then so the hosts' receive paths run while the source publishes.
      if (seq % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(
      () => received.every((m) => m.size >= base + THROUGHPUT_MESSAGES),
      "all messages at all peers",
      120_000,
    );
    const end = Math.max(...received.map((m) => m.get(base + THROUGHPUT_MESSAGES - 1) ?? Number.NaN));
    const seconds = (end - start) / 1000;

    const result = {
      bench: "p2p gossip",
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
      setup: { hosts: 4, topology: "full mesh", messageBytes: MESSAGE_BYTES, inOneProcess: true },
      latencyOneHopMs: {
        samples: LATENCY_SAMPLES,
        p50: Number(percentile(latencies, 50).toFixed(3)),
        p99: Number(percentile(latencies, 99).toFixed(3)),
        max: Number((latencies.at(-1) ?? Number.NaN).toFixed(3)),
      },
      throughput: {
        messages: THROUGHPUT_MESSAGES,
        seconds: Number(seconds.toFixed(3)),
        messagesPerSecondToAll3Peers: Math.round(THROUGHPUT_MESSAGES / seconds),
        deliveriesPerSecond: Math.round((3 * THROUGHPUT_MESSAGES) / seconds),
      },
      reference: REFERENCE,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log();
    console.log(
      formatTable(
        ["measure", "value"],
        [
          ["one-hop latency p50 (ms)", result.latencyOneHopMs.p50],
          ["one-hop latency p99 (ms)", result.latencyOneHopMs.p99],
          ["1 KB msgs/s to all 3 peers", result.throughput.messagesPerSecondToAll3Peers],
          ["deliveries/s (3 per message)", result.throughput.deliveriesPerSecond],
        ],
      ),
    );
    console.log(`reference: ${REFERENCE}`);
  } finally {
    await Promise.all(nets.map((n) => n.stop()));
    await rm(home, { recursive: true, force: true });
  }
}

await main();
