import "../../node/util/polyfill.ts";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import type { Hex } from "../../node/crypto/index.ts";
import { createP2pHost, Gossip, type P2pHost, type P2pLogger } from "../../node/p2p/index.ts";
import { decodeVote } from "../../node/types/vote.ts";

const quiet: P2pLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface VoteConflict {
  validator: string;
  height: number;
  round: number;
  type: number;
  blockHashes: string[];
}

/**
 * A libp2p peer of the runner's own that passes the nodes' genesis check, subscribes to the vote topic and
 * records every vote whose signature holds. It never relays one (each is "ignored" after it is recorded), so it
 * cannot carry votes across a partition the runner made.
 */
export class VoteObserver {
  /** (validator, height, round, type) -> the block hashes voted for ("nil" for a nil vote). */
  private readonly votes = new Map<string, Set<string>>();
  seen = 0;

  private constructor(
    private readonly host: P2pHost,
    private readonly gossip: Gossip,
  ) {}

  static async start(opts: { chainId: bigint; genesisHash: Hex; peers: string[] }): Promise<VoteObserver> {
    const host = await createP2pHost(
      {
        chainId: opts.chainId,
        genesisHash: opts.genesisHash,
        privateKey: await generateKeyPair("Ed25519"),
        bootstrap: opts.peers,
        dialOnlyBootstrap: true,
        redial: { minMs: 100, maxMs: 1000 },
      },
      { logger: quiet },
    );
    const gossip = new Gossip(host, {}, { logger: quiet });
    const observer = new VoteObserver(host, gossip);
    gossip.setValidator("vote", async (data) => {
      observer.record(opts.chainId, data);
      return "ignore";
    });
    return observer;
  }

  /** Records a vote payload as gossip carried it; undecodable or badly signed ones are left out. */
  record(chainId: bigint, data: Uint8Array): void {
    let vote: ReturnType<typeof decodeVote>;
    try {
      vote = decodeVote(data);
    } catch {
      return;
    }
    if (secp256k1Verifier.voteSigner(chainId, vote)?.toLowerCase() !== vote.validator.toLowerCase()) return;
    this.seen++;
    const key = `${vote.validator.toLowerCase()}/${vote.height}/${vote.round}/${vote.type}`;
    let hashes = this.votes.get(key);
    if (hashes === undefined) {
      hashes = new Set();
      this.votes.set(key, hashes);
    }
    hashes.add(vote.blockHash ?? "nil");
  }

  /** Every (validator, height, round, type) with two or more different votes, but for the exempt validators. */
  conflicts(exempt: ReadonlySet<string> = new Set()): VoteConflict[] {
    const found: VoteConflict[] = [];
    for (const [key, hashes] of this.votes) {
      if (hashes.size < 2) continue;
      const [validator = "", height, round, type] = key.split("/");
      if (exempt.has(validator)) continue;
      found.push({
        validator,
        height: Number(height),
        round: Number(round),
        type: Number(type),
        blockHashes: [...hashes],
      });
    }
    return found;
  }

  peerCount(): number {
    return this.host.peerCount();
  }

  async stop(): Promise<void> {
    this.gossip.stop();
    await this.host.stop();
  }
}
