import type { Hex } from "../crypto/index.ts";
import type { CheckpointDomainParams } from "../types/checkpointSigning.ts";
import { WithdrawalTree } from "../types/merkle.ts";
import type { CertifiedCheckpoint, Checkpoint, Validator, Withdrawal } from "../types/shapes.ts";
import { buildCheckpoint, checkpointRange } from "./builder.ts";
import { certifiedCheckpointProblem } from "./verify.ts";

/** A withdrawal with the height of the block that recorded it. */
export interface WithdrawalAt extends Withdrawal {
  height: number;
}

/** What a node reads from its own store and state to build checkpoints. */
export interface CheckpointSources {
  headHeight(): number;
  hashAt(height: number): Promise<Hex | null>;
  /** The set in force at `height` (address + power) and its hash; null if the node does not have it. */
  validatorsAt(height: number): Promise<{ validators: Validator[]; hash: Hex } | null>;
  withdrawal(id: bigint): WithdrawalAt | null;
  nextWithdrawalId(): bigint;
}

export interface CheckpointServiceOptions {
  sidechainId: bigint;
  epochLength: number;
  domain: CheckpointDomainParams;
}

/** Checkpoints kept computed: the few most recent epochs are all that block checks and signing ask for. */
const CACHE_SIZE = 16;

/**
 * Builds checkpoints from this node's committed blocks and judges certified ones against them. A checkpoint is
 * only built once its whole epoch is committed, so what it covers can no longer change.
 */
export class CheckpointService {
  readonly #cache = new Map<number, Checkpoint>();

  constructor(
    readonly opts: CheckpointServiceOptions,
    private readonly sources: CheckpointSources,
  ) {}

  /** Withdrawals recorded at heights [start, end], in id order (ids are sequential in height order). */
  withdrawalsIn(startHeight: number, endHeight: number): Withdrawal[] {
    const out: Withdrawal[] = [];
    for (let id = this.sources.nextWithdrawalId() - 1n; id >= 0n; id--) {
      const w = this.sources.withdrawal(id);
      if (w === null || w.height < startHeight) break;
      if (w.height <= endHeight)
        out.push({ id: w.id, l1Token: w.l1Token, l1Recipient: w.l1Recipient, amount: w.amount });
    }
    return out.reverse();
  }

  withdrawalTree(number: number): WithdrawalTree {
    const { startHeight, endHeight } = checkpointRange(number, this.opts.epochLength);
    return new WithdrawalTree(this.withdrawalsIn(startHeight, endHeight));
  }

  /** Checkpoint `number` as this node computes it, or null while its epoch is not fully committed here. */
  async compute(number: number): Promise<Checkpoint | null> {
    const cached = this.#cache.get(number);
    if (cached) return cached;
    const { startHeight, endHeight } = checkpointRange(number, this.opts.epochLength);
    if (this.sources.headHeight() < endHeight) return null;
    const blockHashes: Hex[] = [];
    for (let h = startHeight; h <= endHeight; h++) {
      const hash = await this.sources.hashAt(h);
      if (hash === null) return null;
      blockHashes.push(hash);
    }
    const next = await this.sources.validatorsAt(endHeight + 1);
    if (next === null) return null;
    const checkpoint = buildCheckpoint({
      sidechainId: this.opts.sidechainId,
      number,
      epochLength: this.opts.epochLength,
      blockHashes,
      withdrawals: this.withdrawalsIn(startHeight, endHeight),
      nextValidatorSetHash: next.hash,
    });
    this.#cache.set(number, checkpoint);
    for (const key of this.#cache.keys()) if (this.#cache.size > CACHE_SIZE) this.#cache.delete(key);
    return checkpoint;
  }

  /** The validators that sign checkpoint `number`: the set of its epoch. */
  async signers(number: number): Promise<Validator[] | null> {
    const { endHeight } = checkpointRange(number, this.opts.epochLength);
    return (await this.sources.validatorsAt(endHeight))?.validators ?? null;
  }

  /** Why a block may not carry `certified` as checkpoint `expectedNumber`, or null if it may. */
  async includedProblem(certified: CertifiedCheckpoint, expectedNumber: number): Promise<string | null> {
    if (certified.checkpoint.number !== expectedNumber)
      return `checkpoint ${certified.checkpoint.number} is not the next one, ${expectedNumber}`;
    const expected = await this.compute(expectedNumber);
    if (expected === null) return `checkpoint ${expectedNumber} covers blocks not yet committed`;
    const validators = await this.signers(expectedNumber);
    if (validators === null) return `the validator set of checkpoint ${expectedNumber} is unknown`;
    return certifiedCheckpointProblem(certified, expected, validators, this.opts.domain);
  }
}
