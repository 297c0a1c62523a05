import type { IncomingStreamData, Libp2p, PeerId } from "@libp2p/interface";
import * as lp from "it-length-prefixed";
import { bytesToHex, type Hex, hexToBytes } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { P2pLogger } from "./logger.ts";

export function genesisProtocolId(chainId: bigint): string {
  return `/outrigger/${chainId.toString()}/genesis/1`;
}

export interface GenesisCheckOptions {
  chainId: bigint;
  genesisHash: Hex;
  /** How long a peer has to answer before it counts as not speaking our protocol. */
  timeoutMs?: number;
  /** A refused peer's connections are denied for this long, so a misconfigured peer cannot reconnect in a loop. */
  refuseForMs?: number;
}

/**
 * "unknown" (a timeout, a connection closed meanwhile) refuses nothing: a busy or restarting validator must not be
 * kept out of its own network.
 */
export type GenesisVerdict =
  | { kind: "same" }
  | { kind: "other-genesis"; theirs: Hex }
  | { kind: "other-chain"; detail: string }
  | { kind: "unknown"; detail: string };

const HASH_BYTES = 32;

/**
 * Peers on another network are refused at connection time, as CometBFT checks NodeInfo's network and Ethereum
 * clients exchange a status: every new connection asks the peer for its genesis hash, and a peer that names
 * another one (or does not answer the protocol of our chain id) is disconnected with a log line saying why and
 * kept out for a while. Topics and protocols are keyed by chain id only, so without this two networks sharing a
 * chain id would mesh and each would reject the other's every message.
 */
export class GenesisCheck {
  private readonly ours: Uint8Array;
  private readonly onConnect = (event: CustomEvent<PeerId>): void => void this.check(event.detail);

  constructor(
    private readonly opts: GenesisCheckOptions,
    private readonly modules: { libp2p: Libp2p; refused: RefusedPeers; logger: P2pLogger },
  ) {
    this.ours = hexToBytes(opts.genesisHash);
    if (this.ours.length !== HASH_BYTES) throw new Error("genesis hash must be 32 bytes");
  }

  /** Registers the answering side; call before libp2p starts listening so no early peer finds it missing. */
  async register(): Promise<void> {
    await this.modules.libp2p.handle(genesisProtocolId(this.opts.chainId), (data) => this.answer(data), {
      maxInboundStreams: 2,
      maxOutboundStreams: 2,
    });
    this.modules.libp2p.addEventListener("peer:connect", this.onConnect);
  }

  stop(): void {
    this.modules.libp2p.removeEventListener("peer:connect", this.onConnect);
  }

  /** Asks the peer for its genesis hash; disconnects and refuses it when it is not ours. */
  async check(peer: PeerId): Promise<GenesisVerdict> {
    const verdict = await this.ask(peer);
    const { logger, libp2p, refused } = this.modules;
    if (verdict.kind === "same") return verdict;
    if (verdict.kind === "unknown") {
      logger.debug({ peer: peer.toString(), err: verdict.detail }, "genesis check inconclusive");
      return verdict;
    }
    const ourGenesis = this.opts.genesisHash;
    if (verdict.kind === "other-genesis") {
      logger.warn(
        { peer: peer.toString(), theirGenesis: verdict.theirs, ourGenesis },
        "peer refused: its genesis hash differs from ours (another network); disconnecting",
      );
    } else {
      logger.warn(
        { peer: peer.toString(), chainId: this.opts.chainId.toString(), err: verdict.detail },
        "peer refused: it does not answer our chain id's genesis protocol (another chain); disconnecting",
      );
    }
    refused.refuse(peer, this.opts.refuseForMs ?? 60_000);
    await libp2p.hangUp(peer).catch(() => {});
    return verdict;
  }

  private async ask(peer: PeerId): Promise<GenesisVerdict> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 5_000);
    try {
      const stream = await this.modules.libp2p.dialProtocol(peer, genesisProtocolId(this.opts.chainId), {
        signal,
      });
      try {
        for await (const frame of lp.decode(stream.source, { maxDataLength: HASH_BYTES })) {
          const theirs = frame.subarray();
          await stream.close().catch(() => {});
          if (theirs.length !== HASH_BYTES)
            return { kind: "other-chain", detail: `answered ${theirs.length} bytes for a genesis hash` };
          return sameBytes(theirs, this.ours)
            ? { kind: "same" }
            : { kind: "other-genesis", theirs: bytesToHex(theirs) };
        }
        return { kind: "unknown", detail: "the stream closed without an answer" };
      } catch (err) {
        stream.abort(err as Error);
        throw err;
      }
    } catch (err) {
      if ((err as Error).name === "UnsupportedProtocolError")
        return { kind: "other-chain", detail: `does not serve ${genesisProtocolId(this.opts.chainId)}` };
      return { kind: "unknown", detail: signal.aborted ? "no answer in time" : errorMessage(err) };
    }
  }

  private async answer({ stream }: IncomingStreamData): Promise<void> {
    try {
      await stream.sink([lp.encode.single(this.ours)]);
    } catch (err) {
      stream.abort(err as Error);
    }
  }
}

/** Peers refused for a while; the connection gater asks it before every dial and inbound connection. */
export class RefusedPeers {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** A shorter refusal never cuts a longer one short (a genesis refusal must not end a ban). */
  refuse(peer: PeerId, forMs: number): void {
    const until = this.now() + forMs;
    this.until.set(peer.toString(), Math.max(until, this.until.get(peer.toString()) ?? 0));
  }

  has(peer: PeerId): boolean {
    return this.remainingMs(peer) > 0;
  }

  /** How long the peer stays refused; 0 if it is not. */
  remainingMs(peer: PeerId): number {
    const until = this.until.get(peer.toString());
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.until.delete(peer.toString());
    return 0;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
