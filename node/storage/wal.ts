import { decodeRlpStrict, encodeRlpItem, RlpError, rlpBytes, rlpList } from "../crypto/index.ts";
import { safeIntFromRlp, safeIntToRlp } from "../types/index.ts";
import { Bucket } from "./buckets.ts";
import { type Codec, readSafeUint64, writeUint64 } from "./codecs.ts";
import type { BatchOp, Database } from "./db.ts";
import { StorageError } from "./errors.ts";
import { Repository } from "./repository.ts";

/** What a WAL entry holds; the payload encodings are the node's (usually the types' RLP codecs). */
export enum WalKind {
  /** The node began this height (payload: whatever it needs to resume, e.g. the start time). */
  HeightStarted = 1,
  /** A received proposal with its block. */
  Proposal = 2,
  Vote = 3,
  /** A timeout that fired (height, round, step). */
  Timeout = 4,
  /** This node's own signed proposal (with its block) or vote, after the sign-state recorded it. */
  OwnProposal = 5,
  OwnVote = 6,
}

export interface WalEntry {
  kind: WalKind;
  data: Uint8Array;
}

export interface WalRecord extends WalEntry {
  height: number;
  seq: number;
}

export interface WalKey {
  height: number;
  seq: number;
}

/** height ‖ seq, both 8-byte big-endian: one height's entries are contiguous and in append order. */
export const walKeyCodec: Codec<WalKey> = {
  encode(key) {
    const out = new Uint8Array(16);
    writeUint64(key.height, out, 0, "wal.height");
    writeUint64(key.seq, out, 8, "wal.seq");
    return out;
  },
  decode(bytes) {
    if (bytes.length !== 16) throw new RlpError(`wal key: expected 16 bytes, got ${bytes.length}`);
    return { height: readSafeUint64(bytes, 0, "wal.height"), seq: readSafeUint64(bytes, 8, "wal.seq") };
  },
};

function checkKind(kind: number, what: string): WalKind {
  if (WalKind[kind] === undefined) throw new RlpError(`${what}: unknown WAL entry kind ${kind}`);
  return kind as WalKind;
}

/** RLP [kind, data]. */
export const walEntryCodec: Codec<WalEntry> = {
  encode(entry) {
    if (!(entry.data instanceof Uint8Array)) throw new RlpError("wal.data: expected bytes");
    return encodeRlpItem([safeIntToRlp(checkKind(entry.kind, "wal.kind"), "wal.kind"), entry.data]);
  },
  decode(bytes) {
    const [kind, data] = rlpList(decodeRlpStrict(bytes), 2, "wal entry");
    return {
      kind: checkKind(safeIntFromRlp(kind, "wal.kind"), "wal.kind"),
      data: new Uint8Array(rlpBytes(data, "wal.data")),
    };
  },
};

export function createWalRepository(db: Database): Repository<WalKey, WalEntry> {
  return new Repository(
    {
      bucket: Bucket.wal,
      name: "wal",
      key: walKeyCodec,
      value: walEntryCodec,
      describeKey: (k) => `height ${k.height} seq ${k.seq}`,
    },
    { db },
  );
}

/** Delete ops for every WAL entry of heights up to `height`, to fold into that height's commit batch. */
export function walClearOps(repo: Repository<WalKey, WalEntry>, height: number): Promise<BatchOp[]> {
  return repo.deleteOpsInRange({ lt: { height: height + 1, seq: 0 } });
}

function checkHeight(height: number): void {
  if (!Number.isSafeInteger(height) || height < 1) {
    throw new StorageError("invalid-input", `wal: height must be a positive integer, got ${String(height)}`);
  }
}

/**
 * The write-ahead log of consensus messages for heights not yet committed, so a restarted node resumes its
 * height with what it had seen. Appends are not fsynced: losing the tail on a power cut only loses received
 * messages that peers re-gossip or serve on catch-up, and this node's own votes are guarded by the sign-state.
 * Entries of a height are deleted in the same batch that stores its committed block.
 */
export class Wal {
  readonly #db: Database;
  readonly #repo: Repository<WalKey, WalEntry>;
  #nextSeq: number;

  private constructor(db: Database, nextSeq: number) {
    this.#db = db;
    this.#repo = createWalRepository(db);
    this.#nextSeq = nextSeq;
  }

  /** Sequence numbers continue after the largest one stored, so entries appended after a restart sort last. */
  static async open(modules: { db: Database }): Promise<Wal> {
    let max = -1;
    for await (const key of createWalRepository(modules.db).keys()) max = Math.max(max, key.seq);
    return new Wal(modules.db, max + 1);
  }

  async append(height: number, entry: WalEntry): Promise<number> {
    checkHeight(height);
    const seq = this.#nextSeq++;
    await this.#repo.put({ height, seq }, entry);
    return seq;
  }

  /** Every entry of the height, in append order. */
  async replay(height: number): Promise<WalRecord[]> {
    checkHeight(height);
    const out: WalRecord[] = [];
    for await (const { key, value } of this.#repo.entries({
      gte: { height, seq: 0 },
      lt: { height: height + 1, seq: 0 },
    })) {
      out.push({ height: key.height, seq: key.seq, kind: value.kind, data: value.data });
    }
    return out;
  }

  /** Drops entries of heights up to `height` outside a commit (ChainStore already does it for committed blocks). */
  async clearThrough(height: number): Promise<void> {
    checkHeight(height);
    await this.#db.batch(await walClearOps(this.#repo, height));
  }
}
