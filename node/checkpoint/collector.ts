import type { Address, SignatureHex } from "../crypto/index.ts";
import { type CheckpointDomainParams, recoverCheckpointSigner } from "../types/checkpointSigning.ts";
import type { CertifiedCheckpoint, Checkpoint, Validator } from "../types/shapes.ts";
import { hasQuorum } from "./verify.ts";

export type AddResult = "added" | "duplicate" | "ignored" | "invalid";

interface Pending {
  checkpoint: Checkpoint;
  power: Map<Address, bigint>;
  total: bigint;
  signatures: Map<Address, SignatureHex>;
}

/**
 * Collects signatures for the one checkpoint this node is waiting on (the latest it computed). Signatures for
 * any other number are ignored: older ones are settled, and newer ones cannot be checked yet.
 */
export class CheckpointCollector {
  #pending: Pending | null = null;
  #certified: CertifiedCheckpoint | null = null;

  constructor(private readonly domain: CheckpointDomainParams) {}

  /** Starts collecting for `checkpoint`, signed by `validators` (the epoch's set); drops what came before. */
  setPending(checkpoint: Checkpoint, validators: readonly Validator[]): void {
    this.#pending = {
      checkpoint,
      power: new Map(validators.map((v) => [v.address, v.power])),
      total: validators.reduce((sum, v) => sum + v.power, 0n),
      signatures: new Map(),
    };
    this.#certified = null;
  }

  get pendingNumber(): number | null {
    return this.#pending?.checkpoint.number ?? null;
  }

  get pendingCheckpoint(): Checkpoint | null {
    return this.#pending?.checkpoint ?? null;
  }

  /** Whether a signature of `signer` over the pending checkpoint is already counted. */
  has(signer: Address): boolean {
    return this.#pending?.signatures.has(signer) ?? false;
  }

  /** The signatures counted for the pending checkpoint, by ascending signer. */
  signatures(): { validator: Address; signature: SignatureHex }[] {
    return this.#pending === null ? [] : this.#snapshot(this.#pending).signatures;
  }

  isSigner(address: Address): boolean {
    return this.#pending?.power.has(address) ?? false;
  }

  /** True if `signature` is `signer`'s over the pending checkpoint. */
  verifies(signer: Address, signature: SignatureHex): boolean {
    const pending = this.#pending;
    if (pending === null || !pending.power.has(signer)) return false;
    try {
      return recoverCheckpointSigner(pending.checkpoint, this.domain, signature) === signer;
    } catch {
      return false;
    }
  }

  add(number: number, signer: Address, signature: SignatureHex): AddResult {
    const pending = this.#pending;
    if (pending === null || number !== pending.checkpoint.number) return "ignored";
    if (pending.signatures.has(signer)) return "duplicate";
    if (!this.verifies(signer, signature)) return "invalid";
    pending.signatures.set(signer, signature);
    if (this.#certified === null) {
      let signed = 0n;
      for (const address of pending.signatures.keys()) signed += pending.power.get(address) ?? 0n;
      if (hasQuorum(signed, pending.total)) this.#certified = this.#snapshot(pending);
    } else {
      // Later signatures still join, so the stored certificate carries as many signers as arrived in time.
      this.#certified = this.#snapshot(pending);
    }
    return "added";
  }

  /** The pending checkpoint with its signatures once they pass 2/3 of the power, else null. */
  certified(): CertifiedCheckpoint | null {
    return this.#certified;
  }

  #snapshot(pending: Pending): CertifiedCheckpoint {
    const signatures = [...pending.signatures.entries()]
      .map(([validator, signature]) => ({ validator, signature }))
      .sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
    return { checkpoint: pending.checkpoint, signatures };
  }
}
