import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import type { GossipValidator, ValidationResult } from "../../node/p2p/gossip.ts";
import type { P2pLogger } from "../../node/p2p/logger.ts";
import { Network, type NetworkOptions } from "../../node/p2p/network.ts";
import type { TopicName } from "../../node/p2p/topics.ts";

export const CHAIN_ID = 7447n;
/** The genesis hash every test network shares unless a test gives another. */
export const GENESIS_HASH = `0x${"47".repeat(32)}` as const;

export const silentLogger: P2pLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` holds; the deadline is generous because CI machines stall, and it is never asserted on. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 15_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function newKey(): Promise<PrivateKey> {
  return generateKeyPair("Ed25519");
}

export type StartOptions = Partial<NetworkOptions>;

/** Starts a network on 127.0.0.1 with a free port and fast redials; the caller stops it (t.after). */
export async function startNetwork(opts: StartOptions = {}): Promise<Network> {
  return Network.create(
    {
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      privateKey: opts.privateKey ?? (await newKey()),
      listen: ["/ip4/127.0.0.1/tcp/0"],
      redial: { minMs: 100, maxMs: 1000 },
      ...opts,
    },
    { logger: silentLogger },
  );
}

/** Records what a node's validator saw and what its handlers delivered, per payload (hex). */
export class Inbox {
  readonly validated: string[] = [];
  readonly delivered: string[] = [];
  readonly from: string[] = [];

  constructor(
    network: Network,
    topic: TopicName,
    verdict: (data: Uint8Array) => ValidationResult = () => "accept",
  ) {
    const validator: GossipValidator = async (data) => {
      this.validated.push(hex(data));
      return verdict(data);
    };
    network.gossip.setValidator(topic, validator);
    network.gossip.onMessage(topic, (data, from) => {
      this.delivered.push(hex(data));
      this.from.push(from.toString());
    });
  }

  deliveries(data: Uint8Array): number {
    const key = hex(data);
    return this.delivered.filter((d) => d === key).length;
  }

  validations(data: Uint8Array): number {
    const key = hex(data);
    return this.validated.filter((d) => d === key).length;
  }
}

export function hex(data: Uint8Array): string {
  return Buffer.from(data).toString("hex");
}

/** A payload that is one RLP string of `size` bytes, starting with `tag`, for tests. */
export function payload(tag: string, size = 64): Uint8Array {
  const body = Buffer.alloc(size, 0x61);
  body.write(tag, 0, "utf8");
  if (size <= 55) return Uint8Array.from(Buffer.concat([Buffer.from([0x80 + size]), body]));
  const length = Buffer.from(
    size.toString(16).padStart(2 * Math.ceil(size.toString(16).length / 2), "0"),
    "hex",
  );
  return Uint8Array.from(Buffer.concat([Buffer.from([0xb7 + length.length]), length, body]));
}

export function connected(a: Network, b: Network): boolean {
  return a.host.connectedPeers().some((p) => p.equals(b.host.peerId));
}

export async function waitForTopicPeers(network: Network, topic: TopicName, peers: Network[]): Promise<void> {
  await waitFor(
    () => peers.every((p) => network.gossip.topicPeers(topic).includes(p.peerId)),
    `${network.peerId.slice(-6)} to see ${peers.length} subscribers of ${topic}`,
  );
}

export async function waitForMesh(network: Network, topic: TopicName, peers: Network[]): Promise<void> {
  await waitFor(
    () => peers.every((p) => network.gossip.meshPeers(topic).includes(p.peerId)),
    `${network.peerId.slice(-6)} to mesh with ${peers.length} peers on ${topic}`,
  );
}

/** An unsigned LEB128 varint, as length-prefixed frames start: tests build malformed frames with it. */
export function varint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}
