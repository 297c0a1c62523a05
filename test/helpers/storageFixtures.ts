import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Hex,
  keccak256Hex,
  privateKeyToAddress,
  signDigest,
  VoteType,
  voteDigest,
  ZERO_HASH,
} from "../../node/crypto/index.ts";
import type { CommittedBlock } from "../../node/storage/chainStore.ts";
import { type Database, openDatabase } from "../../node/storage/db.ts";
import type { ValidatorSetRecord } from "../../node/storage/validatorSetCodec.ts";
import {
  type Block,
  type Commit,
  computeBodyHashes,
  type DepositClaim,
  depositTxHash,
  type Header,
  hashHeader,
  type Receipt,
} from "../../node/types/index.ts";

export const CHAIN_ID = 7447n;
export const KEY: Hex = `0x${"01".padStart(64, "0")}`;
export const VALIDATOR = privateKeyToAddress(KEY);
export const GENESIS_HASH = keccak256Hex(new TextEncoder().encode("storage test genesis"));

const text = (s: string) => new TextEncoder().encode(s);

interface Cleanup {
  after(fn: () => unknown): void;
}

/** A fresh directory removed when the test ends, pass or fail. */
export function tempDir(t: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), "outrigger-storage-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A database in a fresh directory, closed (then removed) when the test ends. */
export async function openTempDb(t: Cleanup): Promise<{ db: Database; dir: string }> {
  const dir = tempDir(t);
  const db = await openDatabase(join(dir, "db"));
  t.after(() => db.close());
  return { db, dir: join(dir, "db") };
}

export function validatorSetRecord(priority = 0n, extra = 0): ValidatorSetRecord {
  const validators = [{ address: VALIDATOR, power: 10n, priority }];
  for (let i = 0; i < extra; i++) {
    validators.push({
      address: `0x${(0xf0 + i).toString(16).padStart(40, "f")}` as Hex,
      power: 5n,
      priority: -priority,
    });
  }
  validators.sort((a, b) => (a.address < b.address ? -1 : 1));
  return { validators, proposer: VALIDATOR };
}

export const stateKey = (height: number) => text(`h/${height}`);
export const COUNTER_KEY = text("counter");
export const heightBytes = (height: number) => text(String(height));

/** How many transactions the test block at a height has: varies, including empty blocks. */
export const txCountAt = (height: number) => height % 4;

/**
 * A deterministic block at `height` on `parentHash`: real body hashes, a real commit signature, receipts with
 * logs, and state writes that set h/<height>, bump "counter" and delete h/<height-3>.
 */
export function buildCommittedBlock(
  height: number,
  parentHash: Hex,
  lastCommit: Commit | null,
  depositClaims: DepositClaim[] = [],
): CommittedBlock {
  const txs = Array.from({ length: txCountAt(height) }, (_, i) => text(`tx ${height}/${i}`));
  const body = { txs, lastCommit, evidence: [], depositClaims, checkpoints: [] };
  const header: Header = {
    chainId: CHAIN_ID,
    height,
    time: 1_700_000_000_000 + height * 1000,
    parentHash,
    proposer: VALIDATOR,
    validatorsHash: keccak256Hex(text("validators")),
    nextValidatorsHash: keccak256Hex(text("validators")),
    appHash: keccak256Hex(text(`app ${height}`)),
    ...computeBodyHashes(body),
  };
  const block: Block = { header, ...body };
  const blockHash = hashHeader(header);
  const commit: Commit = {
    height,
    round: 0,
    blockHash,
    signatures: [
      {
        validator: VALIDATOR,
        signature: signDigest(
          voteDigest({ chainId: CHAIN_ID, type: VoteType.Precommit, height, round: 0, blockHash }),
          KEY,
        ),
      },
    ],
  };
  const receipts: Receipt[] = txs.map((tx, i) => ({
    txHash: keccak256Hex(tx),
    status: i % 2 === 0 ? 1 : 0,
    gasUsed: 21_000n,
    contractAddress: null,
    cumulativeGasUsed: 21_000n * BigInt(i + 1),
    effectiveGasPrice: 1_000_000_000n,
    from: VALIDATOR,
    to: i % 3 === 2 ? null : "0x0000000000000000000000000000000000001000",
    logs: Array.from({ length: i + 1 }, (_, j) => ({
      address: "0x0000000000000000000000000000000000001000" as Hex,
      topics: [keccak256Hex(text(`topic ${j}`))],
      data: `0x${j.toString(16).padStart(64, "0")}` as Hex,
    })),
  }));
  // Deposit transactions come first, each with the mint's log, as the app produces them.
  const depositReceipts: Receipt[] = depositClaims.map((claim) => ({
    txHash: depositTxHash(claim),
    status: 1,
    gasUsed: 0n,
    contractAddress: null,
    cumulativeGasUsed: 0n,
    effectiveGasPrice: 0n,
    from: "0x0000000000000000000000000000000000001000",
    to: claim.l1Token,
    logs: [{ address: claim.l1Token, topics: [keccak256Hex(text("mint"))], data: "0x" }],
  }));
  receipts.unshift(...depositReceipts);
  const stateWrites: [Uint8Array, Uint8Array | null][] = [
    [stateKey(height), heightBytes(height)],
    [COUNTER_KEY, heightBytes(height)],
  ];
  if (height > 3) stateWrites.push([stateKey(height - 3), null]);
  return { block, blockHash, commit, receipts, stateWrites };
}

/** Blocks 1..count, each on the previous one. */
export function buildChain(count: number): CommittedBlock[] {
  const out: CommittedBlock[] = [];
  let parent: Hex = ZERO_HASH;
  let lastCommit: Commit | null = null;
  for (let h = 1; h <= count; h++) {
    const c = buildCommittedBlock(h, parent, lastCommit);
    out.push(c);
    parent = c.blockHash;
    lastCommit = c.commit;
  }
  return out;
}
