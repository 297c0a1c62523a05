import type { Hex } from "../crypto/index.ts";
import { type DuplicateVoteEvidence, decodeEvidence, encodeEvidence } from "../types/index.ts";
import { Bucket } from "./buckets.ts";
import { type Codec, hashCodec } from "./codecs.ts";
import type { Database } from "./db.ts";
import { Repository } from "./repository.ts";

const evidenceCodec: Codec<DuplicateVoteEvidence> = { encode: encodeEvidence, decode: decodeEvidence };

/**
 * Pending double-sign evidence, as CometBFT's evidence pool keeps it on disk: after a restart the votes that
 * proved a double sign are gone, so the evidence is the only record of it.
 */
export class EvidenceStore {
  readonly #repo: Repository<Hex, DuplicateVoteEvidence>;

  constructor(modules: { db: Database }) {
    this.#repo = new Repository(
      { bucket: Bucket.evidence, name: "evidence", key: hashCodec, value: evidenceCodec },
      modules,
    );
  }

  put(hash: Hex, evidence: DuplicateVoteEvidence): Promise<void> {
    return this.#repo.put(hash, evidence);
  }

  delete(hashes: readonly Hex[]): Promise<void> {
    return this.#repo.batchDelete(hashes);
  }

  async all(): Promise<DuplicateVoteEvidence[]> {
    return (await this.#repo.entriesArray()).map((e) => e.value);
  }
}
