import type { Address, Hex, SignatureHex } from "../crypto/index.ts";
import { checkpointHash } from "../types/checkpointSigning.ts";
import type { CertifiedCheckpoint, Checkpoint } from "../types/shapes.ts";
import { CheckpointCollector } from "./collector.ts";
import type { CheckpointService } from "./service.ts";
import {
  type CheckpointSignatureMessage,
  decodeCheckpointSignature,
  encodeCheckpointSignature,
} from "./wire.ts";

export type GossipVerdict = "accept" | "reject" | "ignore";

export interface CheckpointCoordinatorOptions {
  /** How long a signature for the epoch that is about to end waits for this node to commit that epoch. */
  earlySignatureWaitMs: number;
}

export interface CheckpointCoordinatorModules {
  service: CheckpointService;
  /** This node's validator address and signer, or null for a full node (it collects but never signs). */
  signer: { address: Address; sign: (checkpoint: Checkpoint) => SignatureHex } | null;
  publish: (data: Uint8Array) => void;
  headHeight: () => number;
  onCertified?: (certified: CertifiedCheckpoint) => void;
}

/**
 * The checkpoint flow of one node: at each epoch's end build the checkpoint, sign it if this node is one of the
 * epoch's validators, gossip the signature, collect the others' and keep the certified checkpoint until a block
 * carries it.
 */
export class CheckpointCoordinator {
  readonly #collector: CheckpointCollector;
  /** Certified checkpoints not yet known to be in a block, by number. */
  readonly #certified = new Map<number, CertifiedCheckpoint>();
  #pendingHash: Hex | null = null;
  /** The highest checkpoint number a committed block carried: nothing up to it needs gossiping again. */
  #includedUpTo = 0;

  constructor(
    private readonly opts: CheckpointCoordinatorOptions,
    private readonly modules: CheckpointCoordinatorModules,
  ) {
    this.#collector = new CheckpointCollector(modules.service.opts.domain);
  }

  get pendingNumber(): number | null {
    return this.#collector.pendingNumber;
  }

  certified(number: number): CertifiedCheckpoint | null {
    return this.#certified.get(number) ?? null;
  }

  /** Drops certified checkpoints a committed block already carries. */
  included(upTo: number): void {
    this.#includedUpTo = Math.max(this.#includedUpTo, upTo);
    for (const number of this.#certified.keys()) if (number <= upTo) this.#certified.delete(number);
  }

  /**
   * The signatures this node holds for checkpoint `number`: the pending one's (certified or not), or a certified
   * one still waiting for a block. What a peer that missed them asks for (DESIGN §5).
   */
  heldSignatures(number: number): CheckpointSignatureMessage[] {
    const pendingHash = this.#pendingHash;
    if (number === this.#collector.pendingNumber && pendingHash !== null) {
      return this.#collector.signatures().map(({ validator, signature }) => ({
        number,
        checkpointHash: pendingHash,
        signer: validator,
        signature,
      }));
    }
    const certified = this.#certified.get(number);
    if (certified === undefined) return [];
    const hash = checkpointHash(certified.checkpoint);
    return certified.signatures.map(({ validator, signature }) => ({
      number,
      checkpointHash: hash,
      signer: validator,
      signature,
    }));
  }

  /** The pending checkpoint while it is neither certified here nor carried by a block: what to ask peers for. */
  awaitingSignatures(): number | null {
    const number = this.#collector.pendingNumber;
    if (number === null || number <= this.#includedUpTo || this.#certified.has(number)) return null;
    return number;
  }

  /** What to gossip again: the pending checkpoint's signatures until a block carries that checkpoint. */
  regossipSignatures(): CheckpointSignatureMessage[] {
    const number = this.#collector.pendingNumber;
    if (number === null || number <= this.#includedUpTo) return [];
    return this.heldSignatures(number);
  }

  /**
   * Called once the epoch's last block is committed; `sign` false while catching up on old blocks. Called again
   * for the pending checkpoint with `sign` true (a node that resumed it after a restart and a sync), it signs
   * what it has not signed yet.
   */
  async onEpochEnd(number: number, sign: boolean): Promise<void> {
    const { service, signer } = this.modules;
    if ((this.#collector.pendingNumber ?? 0) < number) {
      const checkpoint = await service.compute(number);
      const validators = await service.signers(number);
      if (checkpoint === null || validators === null) return;
      if ((this.#collector.pendingNumber ?? 0) >= number) return;
      this.#collector.setPending(checkpoint, validators);
      this.#pendingHash = checkpointHash(checkpoint);
    }
    const checkpoint = this.#collector.pendingCheckpoint;
    const hash = this.#pendingHash;
    if (checkpoint === null || hash === null || checkpoint.number !== number) return;
    if (!sign || signer === null || !this.#collector.isSigner(signer.address)) return;
    if (this.#collector.has(signer.address)) return;
    const signature = signer.sign(checkpoint);
    this.#add(number, signer.address, signature);
    this.modules.publish(
      encodeCheckpointSignature({
        number,
        checkpointHash: hash,
        signer: signer.address,
        signature,
      }),
    );
  }

  /** The gossip verdict on a "checkpoint-sig" payload. */
  async validate(data: Uint8Array): Promise<GossipVerdict> {
    let message: ReturnType<typeof decodeCheckpointSignature>;
    try {
      message = decodeCheckpointSignature(data);
    } catch {
      return "reject";
    }
    const { epochLength } = this.modules.service.opts;
    // A signer may commit the epoch's last block a moment before this node does: give it that moment.
    if (
      (this.#collector.pendingNumber ?? 0) < message.number &&
      message.number * epochLength <= this.modules.headHeight() + 1
    ) {
      await waitFor(
        () => (this.#collector.pendingNumber ?? 0) >= message.number,
        this.opts.earlySignatureWaitMs,
      );
    }
    if (this.#collector.pendingNumber !== message.number) return "ignore";
    if (!this.#collector.isSigner(message.signer)) return "reject";
    // Re-gossip sends what most peers hold: forwarding it again would flood the network for nothing.
    if (this.#collector.has(message.signer)) return "ignore";
    if (message.checkpointHash !== this.#pendingHash) return "reject";
    return this.#collector.verifies(message.signer, message.signature) ? "accept" : "reject";
  }

  /** An accepted payload: counts its signature. */
  onMessage(data: Uint8Array): void {
    const message = decodeCheckpointSignature(data);
    this.#add(message.number, message.signer, message.signature);
  }

  #add(number: number, signer: Address, signature: SignatureHex): void {
    if (this.#collector.add(number, signer, signature) !== "added") return;
    const certified = this.#collector.certified();
    if (certified === null) return;
    const first = !this.#certified.has(number);
    this.#certified.set(number, certified);
    if (first) this.modules.onCertified?.(certified);
  }
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
