import { decodeRlpStrict, encodeRlpItem, type Hex, RlpError, rlpList } from "../crypto/index.ts";
import {
  type Block,
  type CertifiedCheckpoint,
  type Commit,
  decodeBlock,
  decodeCertifiedCheckpoint,
  decodeCommit,
  decodeReceipts,
  encodeBlock,
  encodeCertifiedCheckpoint,
  encodeCommit,
  encodeReceipts,
  hashFromRlp,
  hashToRlp,
  type Receipt,
  safeIntFromRlp,
  safeIntToRlp,
  uintFromRlp,
  uintToRlp,
} from "../types/index.ts";
import { Bucket } from "./buckets.ts";
import {
  type BlockRef,
  blockRefCodec,
  bytesCodec,
  type Codec,
  hashCodec,
  heightCodec,
  nameCodec,
  type TxLocation,
  txLocationCodec,
} from "./codecs.ts";
import type { Database } from "./db.ts";
import { Repository } from "./repository.ts";
import { type ValidatorSetRecord, validatorSetRecordCodec } from "./validatorSetCodec.ts";

/** Bumped when a bucket's layout changes; a node refuses a database of another version. */
export const SCHEMA_VERSION = 1;

export interface GenesisMeta {
  chainId: bigint;
  /** Hash of the genesis document, which fixes everything a chain starts from. */
  genesisHash: Hex;
}

/** RLP [schemaVersion, chainId, genesisHash]. */
export const genesisMetaCodec: Codec<GenesisMeta> = {
  encode: (g) =>
    encodeRlpItem([
      safeIntToRlp(SCHEMA_VERSION, "genesis.schemaVersion"),
      uintToRlp(g.chainId, "genesis.chainId"),
      hashToRlp(g.genesisHash, "genesis.genesisHash"),
    ]),
  decode(bytes) {
    const [version, chainId, genesisHash] = rlpList(decodeRlpStrict(bytes), 3, "genesis");
    const v = safeIntFromRlp(version, "genesis.schemaVersion");
    if (v !== SCHEMA_VERSION) {
      throw new RlpError(`database schema version ${v}; this node reads version ${SCHEMA_VERSION}`);
    }
    return {
      chainId: uintFromRlp(chainId, "genesis.chainId"),
      genesisHash: hashFromRlp(genesisHash, "genesis.genesisHash"),
    };
  },
};

const blockCodec: Codec<Block> = { encode: encodeBlock, decode: decodeBlock };
const commitCodec: Codec<Commit> = { encode: encodeCommit, decode: decodeCommit };
const receiptsCodec: Codec<Receipt[]> = { encode: encodeReceipts, decode: decodeReceipts };
const uintCodec: Codec<bigint> = {
  encode: (v) => encodeRlpItem(uintToRlp(v, "uint")),
  decode: (bytes) => uintFromRlp(decodeRlpStrict(bytes), "uint"),
};
const certifiedCheckpointCodec: Codec<CertifiedCheckpoint> = {
  encode: encodeCertifiedCheckpoint,
  decode: decodeCertifiedCheckpoint,
};

export const META_HEAD = "head";
export const META_GENESIS = "genesis";

const atHeight = (h: number) => `at height ${h}`;

/** Every typed repository of the chain store; repositories hold no state, so creating them is free. */
export function createRepositories(db: Database) {
  const m = { db };
  return {
    head: new Repository<string, BlockRef>(
      { bucket: Bucket.meta, name: "meta", key: nameCodec, value: blockRefCodec, describeKey: (k) => k },
      m,
    ),
    genesis: new Repository<string, GenesisMeta>(
      { bucket: Bucket.meta, name: "meta", key: nameCodec, value: genesisMetaCodec, describeKey: (k) => k },
      m,
    ),
    blocks: new Repository<number, Block>(
      {
        bucket: Bucket.blockByHeight,
        name: "block",
        key: heightCodec,
        value: blockCodec,
        describeKey: atHeight,
      },
      m,
    ),
    hashes: new Repository<number, Hex>(
      {
        bucket: Bucket.hashByHeight,
        name: "block hash",
        key: heightCodec,
        value: hashCodec,
        describeKey: atHeight,
      },
      m,
    ),
    heights: new Repository<Hex, number>(
      {
        bucket: Bucket.heightByHash,
        name: "height of block",
        key: hashCodec,
        value: heightCodec,
        describeKey: String,
      },
      m,
    ),
    commits: new Repository<number, Commit>(
      {
        bucket: Bucket.commitByHeight,
        name: "commit",
        key: heightCodec,
        value: commitCodec,
        describeKey: atHeight,
      },
      m,
    ),
    receipts: new Repository<number, Receipt[]>(
      {
        bucket: Bucket.receiptsByHeight,
        name: "receipts",
        key: heightCodec,
        value: receiptsCodec,
        describeKey: atHeight,
      },
      m,
    ),
    baseFees: new Repository<number, bigint>(
      {
        bucket: Bucket.baseFeeByHeight,
        name: "base fee",
        key: heightCodec,
        value: uintCodec,
        describeKey: atHeight,
      },
      m,
    ),
    txLocations: new Repository<Hex, TxLocation>(
      {
        bucket: Bucket.txLocation,
        name: "location of tx",
        key: hashCodec,
        value: txLocationCodec,
        describeKey: String,
      },
      m,
    ),
    state: new Repository<Uint8Array, Uint8Array>(
      { bucket: Bucket.state, name: "state", key: bytesCodec, value: bytesCodec },
      m,
    ),
    validatorSets: new Repository<number, ValidatorSetRecord>(
      {
        bucket: Bucket.validatorSets,
        name: "validator set",
        key: heightCodec,
        value: validatorSetRecordCodec,
        describeKey: (h) => `from height ${h}`,
      },
      m,
    ),
    checkpoints: new Repository<number, CertifiedCheckpoint>(
      {
        bucket: Bucket.checkpoints,
        name: "certified checkpoint",
        key: heightCodec,
        value: certifiedCheckpointCodec,
        describeKey: (n) => `number ${n}`,
      },
      m,
    ),
  };
}

export type ChainRepositories = ReturnType<typeof createRepositories>;
