import { concatBytes, type Hex, ZERO_HASH } from "../crypto/index.ts";
import {
  type Block,
  type CertifiedCheckpoint,
  type Commit,
  depositTxHash,
  encodeDepositTx,
  hashHeader,
  type Receipt,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { BlockRef, TxLocation } from "./codecs.ts";
import { type BatchOp, Bucket, type Database } from "./db.ts";
import { StorageError } from "./errors.ts";
import { Mutex } from "./lock.ts";
import {
  type ChainRepositories,
  createRepositories,
  type GenesisMeta,
  META_GENESIS,
  META_HEAD,
} from "./repositories.ts";
import { prefixUpperBound } from "./repository.ts";
import type { ValidatorSetRecord } from "./validatorSetCodec.ts";
import { createWalRepository, walClearOps } from "./wal.ts";

/** The app's state change: a null value deletes the key. */
export type StateWrite = readonly [key: Uint8Array, value: Uint8Array | null];

/** Reads of the app's state bucket; keys are the app's own, without the bucket byte. */
export interface StateBucketReader {
  getSync(key: Uint8Array): Uint8Array | null;
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>;
  entries(prefix: Uint8Array): AsyncIterable<readonly [Uint8Array, Uint8Array]>;
}

export interface CommittedBlock {
  block: Block;
  /** hashHeader(block.header); checked. */
  blockHash: Hex;
  /** The 2/3+ precommits that decided this block (block height + 1 carries another copy as lastCommit). */
  commit: Commit;
  /**
   * In block order: one per deposit claim (its deposit transaction, hash depositTxHash(claim)), then one per
   * transaction (hash keccak256(raw)). Every receipt's txHash indexes its transaction.
   */
  receipts: readonly Receipt[];
  /** The block's EIP-1559 base fee, served by RPC. */
  baseFee?: bigint;
  stateWrites: readonly StateWrite[];
  /** The validator set in force from height + 1, when this block ends an epoch (the set's first height). */
  nextValidatorSet?: ValidatorSetRecord;
  /** Certified checkpoints the block carries, stored by number so every node serves them. */
  checkpoints?: readonly CertifiedCheckpoint[];
  /**
   * The block's and the commit's canonical encodings when the caller holds them (block sync decoded them from
   * these bytes): written as they are instead of encoding again. The caller vouches they encode block and commit.
   */
  encodedBlock?: Uint8Array;
  encodedCommit?: Uint8Array;
}

export interface InitialChain extends GenesisMeta {
  /** The set in force from INITIAL_HEIGHT. */
  validatorSet: ValidatorSetRecord;
  /** The application's whole genesis state: stored with the genesis record so a restart can load it. */
  stateWrites: readonly StateWrite[];
}

export interface ReceiptLocation {
  receipt: Receipt;
  height: number;
  blockHash: Hex;
  /** In the block's order: its deposits first, then its transactions. */
  index: number;
  /** Block-wide index of the receipt's first log (Ethereum's logIndex counts across the block). */
  firstLogIndex: number;
}

export interface TxAt {
  /** The signed transaction, or a deposit's encodeDepositTx bytes (type 0x7e). */
  raw: Uint8Array;
  height: number;
  blockHash: Hex;
  index: number;
}

export interface ValidatorSetAt {
  /** First height of the epoch the set belongs to; the caller advances priorities from here. */
  fromHeight: number;
  validatorSet: ValidatorSetRecord;
}

export interface ChainStoreOptions {
  /**
   * fsync each committed block (default true): a block reported final to RPC clients then survives a power cut,
   * at one fsync per block, which a one-second block interval easily affords.
   */
  syncBlocks?: boolean;
}

/** Heights start at 1 (the first block's parent hash is all zeros). */
export const INITIAL_HEIGHT = 1;

function checkHeightArg(height: number, what: string): void {
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new StorageError(
      "invalid-input",
      `${what}: expected a non-negative integer, got ${String(height)}`,
    );
  }
}

/**
 * The chain as the node stores it: blocks, commits, receipts, tx index, app state, validator sets. Everything one
 * committed block changes is written in one atomic batch, so after any crash the head is a complete block and
 * nothing of a later one exists. Writes are serialised; reads may run concurrently with them.
 */
export class ChainStore {
  readonly #db: Database;
  readonly #repos: ChainRepositories;
  readonly #wal: ReturnType<typeof createWalRepository>;
  readonly #sync: boolean;
  readonly #mutex = new Mutex();
  /** The head as this store last wrote it (undefined until read): writes are serialised and only this store sets it. */
  #writtenHead: BlockRef | null | undefined;

  constructor(opts: ChainStoreOptions, modules: { db: Database }) {
    this.#db = modules.db;
    this.#repos = createRepositories(modules.db);
    this.#wal = createWalRepository(modules.db);
    this.#sync = opts.syncBlocks ?? true;
  }

  /**
   * Records the chain a fresh database belongs to, with its initial validator set; on a database that already has
   * one, checks it is the same chain and throws StorageError "wrong-chain" otherwise.
   */
  initGenesis(initial: InitialChain): Promise<void> {
    return this.#mutex.run(async () => {
      const stored = await this.genesis();
      if (stored === null) {
        await this.#db.batch(
          [
            this.#repos.genesis.putOp(META_GENESIS, {
              chainId: initial.chainId,
              genesisHash: initial.genesisHash,
            }),
            this.#repos.validatorSets.putOp(INITIAL_HEIGHT, initial.validatorSet),
            ...initial.stateWrites.map(([key, value]) =>
              value === null ? this.#repos.state.deleteOp(key) : this.#repos.state.putOp(key, value),
            ),
          ],
          { sync: true },
        );
        return;
      }
      if (stored.chainId !== initial.chainId || stored.genesisHash !== initial.genesisHash) {
        throw new StorageError(
          "wrong-chain",
          `database belongs to chain ${stored.chainId} with genesis ${stored.genesisHash}, ` +
            `not chain ${initial.chainId} with genesis ${initial.genesisHash}`,
        );
      }
    });
  }

  async genesis(): Promise<GenesisMeta | null> {
    return this.#repos.genesis.getOrNull(META_GENESIS);
  }

  async head(): Promise<BlockRef | null> {
    return this.#repos.head.getOrNull(META_HEAD);
  }

  /**
   * Stores a decided block and everything it changed, atomically. Refuses (StorageError "continuity") a block
   * that is not head + 1 or whose parent is not the head; "invalid-input" if the parts do not belong together or
   * do not encode. Nothing is written unless everything is. `sync: false` skips the fsync of this one write (a
   * later synced write makes it durable too): a crash may then lose it, whole, never leave it half written. It
   * also leaves the WAL to that synced write, whose clear covers every height up to its own: block sync writes
   * runs of blocks so, and one WAL scan per run instead of per block is a tenth of a block's write. An entry
   * left below the head meanwhile is never replayed (only head + 1 is).
   */
  writeCommittedBlock(c: CommittedBlock, opts: { sync?: boolean } = {}): Promise<BlockRef> {
    return this.#mutex.run(async () => {
      const head = this.#writtenHead === undefined ? await this.head() : this.#writtenHead;
      const height = c.block?.header?.height;
      const expected = head === null ? INITIAL_HEIGHT : head.height + 1;
      if (height !== expected) {
        throw new StorageError(
          "continuity",
          `block at height ${String(height)} does not follow head ${head?.height ?? "(none)"}`,
        );
      }
      const parent = head?.hash ?? ZERO_HASH;
      if (c.block.header.parentHash !== parent) {
        throw new StorageError(
          "continuity",
          `block ${height} has parent ${c.block.header.parentHash}, but the head is ${parent}`,
        );
      }
      checkParts(c, height);
      const r = this.#repos;
      const ops: BatchOp[] = [
        c.encodedBlock === undefined
          ? r.blocks.putOp(height, c.block)
          : r.blocks.putBinaryOp(height, c.encodedBlock),
        r.hashes.putOp(height, c.blockHash),
        r.heights.putOp(c.blockHash, height),
        c.encodedCommit === undefined
          ? r.commits.putOp(height, c.commit)
          : r.commits.putBinaryOp(height, c.encodedCommit),
        r.receipts.putOp(height, [...c.receipts]),
      ];
      if (c.baseFee !== undefined) ops.push(r.baseFees.putOp(height, c.baseFee));
      c.receipts.forEach((receipt, index) => {
        ops.push(r.txLocations.putOp(receipt.txHash, { height, index }));
      });
      for (const [key, value] of c.stateWrites) {
        ops.push(value === null ? r.state.deleteOp(key) : r.state.putOp(key, value));
      }
      if (c.nextValidatorSet !== undefined) ops.push(r.validatorSets.putOp(height + 1, c.nextValidatorSet));
      for (const cc of c.checkpoints ?? []) ops.push(r.checkpoints.putOp(cc.checkpoint.number, cc));
      ops.push(r.head.putOp(META_HEAD, { height, hash: c.blockHash }));
      const durable = opts.sync ?? true;
      if (durable) ops.push(...(await walClearOps(this.#wal, height)));
      await this.#db.batch(ops, { sync: this.#sync && durable });
      this.#writtenHead = { height, hash: c.blockHash };
      return { height, hash: c.blockHash };
    });
  }

  async blockByHeight(height: number): Promise<Block | null> {
    checkHeightArg(height, "blockByHeight");
    return this.#repos.blocks.getOrNull(height);
  }

  async blockByHash(hash: Hex): Promise<Block | null> {
    const height = await this.heightOfHash(hash);
    return height === null ? null : this.#repos.blocks.get(height);
  }

  async hashAt(height: number): Promise<Hex | null> {
    checkHeightArg(height, "hashAt");
    return this.#repos.hashes.getOrNull(height);
  }

  async heightOfHash(hash: Hex): Promise<number | null> {
    return this.#repos.heights.getOrNull(hash);
  }

  async commitAt(height: number): Promise<Commit | null> {
    checkHeightArg(height, "commitAt");
    return this.#repos.commits.getOrNull(height);
  }

  async receiptsAt(height: number): Promise<Receipt[] | null> {
    checkHeightArg(height, "receiptsAt");
    return this.#repos.receipts.getOrNull(height);
  }

  /** The base fee of a stored block; null for a block stored without one. */
  async baseFeeAt(height: number): Promise<bigint | null> {
    checkHeightArg(height, "baseFeeAt");
    return this.#repos.baseFees.getOrNull(height);
  }

  async txLocation(txHash: Hex): Promise<TxLocation | null> {
    return this.#repos.txLocations.getOrNull(txHash);
  }

  async transactionByHash(txHash: Hex): Promise<TxAt | null> {
    const loc = await this.txLocation(txHash);
    if (loc === null) return null;
    const [block, blockHash] = await Promise.all([
      this.#repos.blocks.get(loc.height),
      this.#repos.hashes.get(loc.height),
    ]);
    const deposits = block.depositClaims.length;
    const claim = block.depositClaims[loc.index];
    const raw = claim === undefined ? block.txs[loc.index - deposits] : encodeDepositTx(claim);
    if (raw === undefined) throw corruptIndex(txHash, loc);
    return { raw, height: loc.height, blockHash, index: loc.index };
  }

  async receiptByTxHash(txHash: Hex): Promise<ReceiptLocation | null> {
    const loc = await this.txLocation(txHash);
    if (loc === null) return null;
    const [receipts, blockHash] = await Promise.all([
      this.#repos.receipts.get(loc.height),
      this.#repos.hashes.get(loc.height),
    ]);
    const receipt = receipts[loc.index];
    if (receipt === undefined || receipt.txHash !== txHash) throw corruptIndex(txHash, loc);
    let firstLogIndex = 0;
    for (let i = 0; i < loc.index; i++) firstLogIndex += receipts[i]?.logs.length ?? 0;
    return { receipt, height: loc.height, blockHash, index: loc.index, firstLogIndex };
  }

  /** Receipts of every stored height in [from, to], ascending: what eth_getLogs walks. */
  async *receiptsRange(
    from: number,
    to: number,
  ): AsyncIterable<{ height: number; blockHash: Hex; receipts: Receipt[] }> {
    checkRange(from, to, "receiptsRange");
    const hashes = new Map<number, Hex>();
    for await (const { key, value } of this.#repos.hashes.entries({ gte: from, lte: to }))
      hashes.set(key, value);
    for await (const { key, value } of this.#repos.receipts.entries({ gte: from, lte: to })) {
      const blockHash = hashes.get(key);
      if (blockHash === undefined) {
        throw new StorageError("corrupt", `receipts at height ${key} have no block hash`);
      }
      yield { height: key, blockHash, receipts: value };
    }
  }

  /** Blocks with their commits for heights in [from, to] that are stored, ascending (block sync serving). */
  async blocksRange(from: number, to: number): Promise<{ block: Block; commit: Commit }[]> {
    checkRange(from, to, "blocksRange");
    const [blocks, commits] = await Promise.all([
      this.#repos.blocks.entriesArray({ gte: from, lte: to }),
      this.#repos.commits.entriesArray({ gte: from, lte: to }),
    ]);
    return blocks.map(({ key, value }, i) => {
      const commit = commits[i];
      if (commit === undefined || commit.key !== key) {
        throw new StorageError("corrupt", `block at height ${key} has no commit`);
      }
      return { block: value, commit: commit.value };
    });
  }

  /** As blocksRange, but the stored RLP bytes as they are, so serving sync skips decoding and re-encoding. */
  async encodedBlocksRange(
    from: number,
    to: number,
  ): Promise<{ height: number; block: Uint8Array; commit: Uint8Array }[]> {
    checkRange(from, to, "encodedBlocksRange");
    const collect = async (entries: AsyncIterable<{ key: number; value: Uint8Array }>) => {
      const out: { key: number; value: Uint8Array }[] = [];
      for await (const e of entries) out.push(e);
      return out;
    };
    const [blocks, commits] = await Promise.all([
      collect(this.#repos.blocks.binaryEntries({ gte: from, lte: to })),
      collect(this.#repos.commits.binaryEntries({ gte: from, lte: to })),
    ]);
    return blocks.map(({ key, value }, i) => {
      const commit = commits[i];
      if (commit === undefined || commit.key !== key) {
        throw new StorageError("corrupt", `block at height ${key} has no commit`);
      }
      return { height: key, block: value, commit: commit.value };
    });
  }

  /** The set in force at a height: the snapshot stored for the latest epoch start at or below it. */
  async validatorSetAt(height: number): Promise<ValidatorSetAt | null> {
    checkHeightArg(height, "validatorSetAt");
    const entry = await this.#repos.validatorSets.lastEntry({ lte: height });
    return entry === null ? null : { fromHeight: entry.key, validatorSet: entry.value };
  }

  async checkpoint(number: number): Promise<CertifiedCheckpoint | null> {
    checkHeightArg(number, "checkpoint");
    return this.#repos.checkpoints.getOrNull(number);
  }

  /** Number of the latest stored certified checkpoint, 0 before the first. */
  async latestCheckpointNumber(): Promise<number> {
    return (await this.#repos.checkpoints.lastEntry())?.key ?? 0;
  }

  /** Stored certified checkpoints numbered [from, from + count), ascending. */
  async checkpointsRange(from: number, count: number): Promise<CertifiedCheckpoint[]> {
    checkHeightArg(from, "checkpointsRange");
    checkHeightArg(count, "checkpointsRange");
    if (count === 0) return [];
    const entries = await this.#repos.checkpoints.entriesArray({ gte: from, lte: from + count - 1 });
    return entries.map((e) => e.value);
  }

  /**
   * The app's view of its state bucket (structurally node/app's StateReader): point reads, batched reads and
   * prefix scans, keys without the bucket byte. Only committed blocks' writes are ever there.
   */
  stateReader(): StateBucketReader {
    const db = this.#db;
    const bucket = Uint8Array.of(Bucket.state);
    const full = (key: Uint8Array) => concatBytes(bucket, key);
    return {
      getSync: (key) => db.getSync(full(key)),
      getMany: (keys) => db.getMany(keys.map(full)),
      async *entries(prefix) {
        const gte = full(prefix);
        const lt = prefixUpperBound(gte);
        for await (const [key, value] of db.entries(lt === null ? { gte } : { gte, lt })) {
          yield [key.subarray(1), value] as const;
        }
      },
    };
  }

  /** Every app state entry, sorted by key: what an in-memory app (tests, tools) loads. */
  async loadState(): Promise<[Uint8Array, Uint8Array][]> {
    const out: [Uint8Array, Uint8Array][] = [];
    for await (const { key, value } of this.#repos.state.entries()) out.push([key, value]);
    return out;
  }

  async getState(key: Uint8Array): Promise<Uint8Array | null> {
    return this.#repos.state.getOrNull(key);
  }
}

function checkRange(from: number, to: number, what: string): void {
  checkHeightArg(from, what);
  checkHeightArg(to, what);
  if (from > to) throw new StorageError("invalid-input", `${what}: from ${from} is above to ${to}`);
}

function corruptIndex(txHash: Hex, loc: TxLocation): StorageError {
  return new StorageError(
    "corrupt",
    `tx ${txHash} is indexed at height ${loc.height} index ${loc.index}, but that block has no such tx`,
  );
}

function checkParts(c: CommittedBlock, height: number): void {
  const fail = (msg: string, cause?: unknown) =>
    new StorageError("invalid-input", `block ${height}: ${msg}`, cause === undefined ? undefined : { cause });
  let hash: Hex;
  try {
    hash = hashHeader(c.block.header);
  } catch (err) {
    throw fail(`header does not encode: ${errorMessage(err)}`, err);
  }
  if (c.blockHash !== hash) throw fail(`blockHash ${c.blockHash} is not the header's hash ${hash}`);
  if (c.commit?.height !== height || c.commit.blockHash !== hash) {
    throw fail(`commit is for ${c.commit?.height}/${c.commit?.blockHash}, not this block`);
  }
  const { depositClaims, txs } = c.block;
  if (!Array.isArray(c.receipts) || c.receipts.length !== depositClaims.length + txs.length) {
    throw fail(
      `${c.receipts?.length} receipts for ${txs.length} transactions and ${depositClaims.length} deposits ` +
        "(one per deposit first, then one per transaction)",
    );
  }
  for (const [i, claim] of depositClaims.entries()) {
    const expected = depositTxHash(claim);
    if (c.receipts[i]?.txHash !== expected) {
      throw fail(
        `receipt ${i} is for ${c.receipts[i]?.txHash}, not deposit ${claim.nonce}'s transaction ${expected}`,
      );
    }
  }
  if (!Array.isArray(c.stateWrites)) throw fail("stateWrites must be an array");
}
