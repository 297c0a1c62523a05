import {
  bytesToHex,
  decodeRlpStrict,
  encodeRlpItem,
  type Hex,
  RlpError,
  rlpList,
  type SignatureHex,
  VoteType,
} from "../crypto/index.ts";
import {
  hashFromRlp,
  hashToRlp,
  nilableBlockHashFromRlp,
  nilableBlockHashToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  signatureFromRlp,
  signatureToRlp,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { Bucket } from "./buckets.ts";
import { type Codec, nameCodec } from "./codecs.ts";
import type { Database } from "./db.ts";
import { DoubleSignError, StorageError } from "./errors.ts";
import { Mutex } from "./lock.ts";
import { Repository } from "./repository.ts";

/** CometBFT privval's step order within a round: a proposal is signed before the prevote, the prevote before the precommit. */
export enum SignStep {
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
}

export function signStepOfVote(type: VoteType): SignStep {
  return type === VoteType.Prevote ? SignStep.Prevote : SignStep.Precommit;
}

export interface SignRequest {
  height: number;
  round: number;
  step: SignStep;
  /** null for a nil vote. */
  blockHash: Hex | null;
  /** The 32-byte digest to sign (voteDigest / proposalDigest): it covers every signed field, chain id included. */
  digest: Uint8Array;
}

/** The last thing this validator signed (CometBFT FilePVLastSignState). */
export interface LastSignState {
  height: number;
  round: number;
  step: SignStep;
  blockHash: Hex | null;
  digest: Hex;
  signature: SignatureHex;
}

export type Signer = (digest: Uint8Array) => SignatureHex | Promise<SignatureHex>;

function checkStep(step: number, what: string): SignStep {
  if (step !== SignStep.Propose && step !== SignStep.Prevote && step !== SignStep.Precommit) {
    throw new RlpError(`${what}: step must be 1 (propose), 2 (prevote) or 3 (precommit), got ${step}`);
  }
  return step;
}

/** RLP [height, round, step, blockHash | "", digest, signature]. */
export const lastSignStateCodec: Codec<LastSignState> = {
  encode: (s) =>
    encodeRlpItem([
      safeIntToRlp(s.height, "signState.height"),
      safeIntToRlp(s.round, "signState.round"),
      safeIntToRlp(checkStep(s.step, "signState.step"), "signState.step"),
      nilableBlockHashToRlp(s.blockHash, "signState.blockHash"),
      hashToRlp(s.digest, "signState.digest"),
      signatureToRlp(s.signature, "signState.signature"),
    ]),
  decode(bytes) {
    const [height, round, step, blockHash, digest, signature] = rlpList(
      decodeRlpStrict(bytes),
      6,
      "signState",
    );
    return {
      height: safeIntFromRlp(height, "signState.height"),
      round: safeIntFromRlp(round, "signState.round"),
      step: checkStep(safeIntFromRlp(step, "signState.step"), "signState.step"),
      blockHash: nilableBlockHashFromRlp(blockHash, "signState.blockHash"),
      digest: hashFromRlp(digest, "signState.digest"),
      signature: signatureFromRlp(signature, "signState.signature"),
    };
  },
};

const KEY = "";

function describe(s: { height: number; round: number; step: SignStep }): string {
  return `${s.height}/${s.round}/${SignStep[s.step] ?? s.step}`;
}

function checkRequest(r: SignRequest): void {
  const fail = (msg: string) => new StorageError("invalid-input", `sign request: ${msg}`);
  if (!Number.isSafeInteger(r.height) || r.height < 1) throw fail(`bad height ${String(r.height)}`);
  if (!Number.isSafeInteger(r.round) || r.round < 0) throw fail(`bad round ${String(r.round)}`);
  if (r.step !== SignStep.Propose && r.step !== SignStep.Prevote && r.step !== SignStep.Precommit) {
    throw fail(`bad step ${String(r.step)}`);
  }
  if (r.step === SignStep.Propose && r.blockHash === null) throw fail("a proposal needs a block hash");
  if (!(r.digest instanceof Uint8Array) || r.digest.length !== 32) throw fail("digest must be 32 bytes");
  try {
    nilableBlockHashToRlp(r.blockHash, "blockHash");
  } catch (err) {
    throw fail(errorMessage(err));
  }
}

/**
 * The privval last-sign-state (CometBFT privval/file.go), kept in the node's database. `sign` is the only way to
 * obtain a signature: it refuses anything that could equivocate, re-issues the stored signature for a repeat of
 * the last request (a restarted node re-sends the identical vote rather than signing anew), and otherwise signs
 * and fsyncs the new state before handing the signature out, so nothing leaves the node that a crash could make
 * it forget. Calls are serialised, so two concurrent requests can never both pass the check.
 */
export class SignStateStore {
  readonly #repo: Repository<string, LastSignState>;
  readonly #mutex = new Mutex();
  #last: LastSignState | null;

  private constructor(repo: Repository<string, LastSignState>, last: LastSignState | null) {
    this.#repo = repo;
    this.#last = last;
  }

  static async open(modules: { db: Database }): Promise<SignStateStore> {
    const repo = new Repository(
      { bucket: Bucket.signState, name: "signState", key: nameCodec, value: lastSignStateCodec },
      modules,
    );
    return new SignStateStore(repo, await repo.getOrNull(KEY));
  }

  get last(): LastSignState | null {
    return this.#last === null ? null : { ...this.#last };
  }

  /** Throws DoubleSignError on regression or conflict, StorageError if the state cannot be persisted. */
  sign(request: SignRequest, signer: Signer): Promise<SignatureHex> {
    return this.#mutex.run(async () => {
      checkRequest(request);
      const digest = bytesToHex(request.digest);
      const last = this.#last;
      if (last !== null && sameHrs(last, request)) {
        if (last.digest === digest && last.blockHash === request.blockHash) return last.signature;
        throw new DoubleSignError(
          "conflict",
          `already signed ${describe(last)} for ${last.blockHash ?? "nil"}; refusing ${request.blockHash ?? "nil"}`,
        );
      }
      if (last !== null && isBehind(request, last)) {
        throw new DoubleSignError(
          "regression",
          `refusing to sign ${describe(request)}: already signed ${describe(last)}`,
        );
      }
      const signature = await signer(request.digest);
      const next: LastSignState = {
        height: request.height,
        round: request.round,
        step: request.step,
        blockHash: request.blockHash,
        digest,
        signature,
      };
      await this.#repo.put(KEY, next, { sync: true });
      this.#last = next;
      return signature;
    });
  }
}

function sameHrs(a: SignRequest | LastSignState, b: SignRequest | LastSignState): boolean {
  return a.height === b.height && a.round === b.round && a.step === b.step;
}

function isBehind(r: SignRequest, last: LastSignState): boolean {
  if (r.height !== last.height) return r.height < last.height;
  if (r.round !== last.round) return r.round < last.round;
  return r.step < last.step;
}
