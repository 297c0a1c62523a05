import type { MessageVerifier } from "../../node/consensus/messages.ts";
import type { Address } from "../../node/crypto/index.ts";
import {
  DEFAULT_EVIDENCE_POOL,
  EvidencePool,
  type EvidenceProblem,
  evidenceProblem,
} from "../../node/evidence/index.ts";
import { encodeEvidence, MAX_EVIDENCE_PER_BLOCK } from "../../node/types/index.ts";
import type { DuplicateVoteEvidence } from "../../node/types/shapes.ts";
import { errorMessage } from "../../node/util/errors.ts";
import type { ValidatorSchedule } from "./validators.ts";

/**
 * How many heights after its offence a block may still carry a double sign: the simulation's stand-in for the
 * application's evidence age. The checker asks every double sign it saw to be in a committed block by then.
 */
export const EVIDENCE_AGE = 16;

export interface SimEvidenceEnv {
  readonly chainId: bigint;
  readonly verifier: Pick<MessageVerifier, "voteSigner">;
  readonly validators: ValidatorSchedule;
}

/** The offence evidence convicts: the application punishes a validator once per height. */
export function offenceKey(validator: Address, height: number): string {
  return `${validator}:${height}`;
}

/**
 * An honest replica's evidence handling, as node/evidence/service.ts does it for a real node: the production
 * pool and verification, with the simulation's application rule (too old beyond EVIDENCE_AGE, or the offence
 * already punished in this replica's committed chain).
 */
export class SimEvidence {
  readonly pool = new EvidencePool(DEFAULT_EVIDENCE_POOL);
  private readonly punished = new Set<string>();
  private committedHeight = 0;

  constructor(private readonly env: SimEvidenceEnv) {}

  /** Why a block at `blockHeight` may not carry `e`, or null: the production check, after the decode-time shape. */
  async problem(e: DuplicateVoteEvidence, blockHeight: number): Promise<EvidenceProblem | null> {
    const shape = shapeProblem(e);
    if (shape !== null) return { reason: shape, fault: true };
    return evidenceProblem(e, blockHeight, this.env.chainId, {
      setAt: async (height) => (height >= 1 ? this.env.validators.at(height) : null),
      verifier: this.env.verifier,
      appProblem: (validator, height, atHeight) => {
        if (atHeight - height > EVIDENCE_AGE) return `older than ${EVIDENCE_AGE} heights`;
        if (this.punished.has(offenceKey(validator, height))) return "already punished";
        return null;
      },
    });
  }

  /**
   * Keeps evidence that a block could carry, now or once its height is committed: a double sign of the height
   * being decided is the usual case, and it may go into the next height's block. True if it is new.
   */
  async add(e: DuplicateVoteEvidence): Promise<boolean> {
    if (this.pool.has(e)) return false;
    const height = e.voteA.height;
    // From a peer ahead of us: early, and its holder gossips it again.
    if (height > this.committedHeight + 1) return false;
    if ((await this.problem(e, Math.max(this.committedHeight + 1, height + 1))) !== null) return false;
    return this.pool.add(e) === "added";
  }

  /** What a proposal at `height` carries: the pool's draw, less what a block there may not carry. */
  async toInclude(height: number): Promise<DuplicateVoteEvidence[]> {
    const out: DuplicateVoteEvidence[] = [];
    for (const e of this.pool.take(MAX_EVIDENCE_PER_BLOCK)) {
      if ((await this.problem(e, height)) === null) out.push(e);
    }
    return out;
  }

  /** Why a block at `height` may not carry this list (as node/chain/chain.ts checks it), or null. */
  async defect(list: readonly DuplicateVoteEvidence[], height: number): Promise<string | null> {
    if (list.length > MAX_EVIDENCE_PER_BLOCK) return `${list.length} pieces of evidence`;
    const offenders = new Set<Address>();
    for (const [i, e] of list.entries()) {
      if (offenders.has(e.voteA.validator)) return `evidence[${i}]: a second offence of ${e.voteA.validator}`;
      offenders.add(e.voteA.validator);
      const problem = await this.problem(e, height);
      if (problem !== null) return `evidence[${i}]: ${problem.reason}`;
    }
    return null;
  }

  /** After a commit: its evidence is punished, and what can no longer go into a block leaves the pool. */
  async committed(height: number, list: readonly DuplicateVoteEvidence[]): Promise<void> {
    this.committedHeight = height;
    for (const e of list) this.punished.add(offenceKey(e.voteA.validator, e.voteA.height));
    this.pool.markCommitted(list);
    for (const e of this.pool.all()) {
      if ((await this.problem(e, height + 1)) !== null) this.pool.remove(e);
    }
  }
}

/** What decoding checks on the wire (one validator, one height/round/type, canonical order); the sim has no wire. */
export function shapeProblem(e: DuplicateVoteEvidence): string | null {
  try {
    encodeEvidence(e);
    return null;
  } catch (err) {
    return errorMessage(err);
  }
}
