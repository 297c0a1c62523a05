import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transaction as EthersTransaction, SigningKey, type Wallet } from "ethers";
import { type AppGenesis, createApplication } from "../../node/app/index.ts";
import { Chain } from "../../node/chain/chain.ts";
import { createCachingVerifier } from "../../node/consensus/cachingVerifier.ts";
import type { MessageVerifier } from "../../node/consensus/messages.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { VoteType } from "../../node/crypto/index.ts";
import { createMempool } from "../../node/mempool/index.ts";
import { ChainStore, openDatabase } from "../../node/storage/index.ts";
import type { Commit } from "../../node/types/index.ts";
import { addr, BASE_FEE, CHAIN_ID, ETHER, testGenesis, testWallet } from "../../test/helpers/appFixture.ts";
import { signVote } from "../../test/helpers/validators.ts";

const GENESIS_TIME = 1_000_000;
const GENESIS_HASH = `0x${"42".repeat(32)}` as Hex;

/** Four validators of equal stake, as on the devnet: each commit carries four precommit signatures. */
export const BENCH_VALIDATORS: Wallet[] = [10, 11, 12, 13].map((i) => testWallet(i));

export interface BenchChainOptions {
  /** Senders funded at genesis, each sending at most one transfer per block. */
  senders: number;
  /** fsync each block: the node's default, off for building the source quickly. */
  syncBlocks: boolean;
}

/** One node's chain (store, app, mempool) in a temp dir, with a clock the builder moves. */
export async function openBenchChain(opts: BenchChainOptions) {
  const home = await mkdtemp(join(tmpdir(), "outrigger-bench-sync-"));
  const db = await openDatabase(join(home, "db"));
  const store = new ChainStore({ syncBlocks: opts.syncBlocks }, { db });
  const genesis: AppGenesis = testGenesis({
    alloc: [...BENCH_VALIDATORS, ...senderWallets(opts.senders)].map((w) => ({
      address: addr(w),
      balance: 1000n * ETHER,
    })),
    validators: BENCH_VALIDATORS.map((w) => ({ address: addr(w), stake: 10n * ETHER })),
    epochLength: 1_000_000,
  });
  const app = createApplication(genesis, null);
  const mempool = createMempool(
    {
      maxTxs: 100_000,
      maxPerSender: 10_000,
      maxTxBytes: 128 * 1024,
      priceBumpPercent: 10,
      baseFee: BASE_FEE,
    },
    {
      checkTx: (raw) => app.checkTx(raw),
      account: (a) => ({ nonce: app.nonce(a), balance: app.balance(a) }),
    },
  );
  const clock = { now: GENESIS_TIME + 10_000 };
  // The node's verifier: each signature recovered once across gossip, the engine and the chain.
  const verifier: MessageVerifier = createCachingVerifier({ capacity: 20_000 }, { inner: secp256k1Verifier });
  const chain = await Chain.open(
    {
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      genesisTime: GENESIS_TIME,
      maxClockDriftMs: 1000,
      maxBlockTxs: 2_000,
      maxBlockTxBytes: 2 * 1024 * 1024,
    },
    { store, app, mempool, verifier, now: () => clock.now },
  );
  return {
    genesis,
    verifier,
    store,
    app,
    mempool,
    chain,
    clock,
    close: async () => {
      await db.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export type BenchChain = Awaited<ReturnType<typeof openBenchChain>>;

export function senderWallets(count: number): Wallet[] {
  return Array.from({ length: count }, (_, i) => testWallet(100 + i));
}

/** A round-0 commit signed by every bench validator. */
export function benchCommit(height: number, blockHash: Hex): Commit {
  const signatures = BENCH_VALIDATORS.map((w) => ({
    validator: addr(w),
    signature: signVote(CHAIN_ID, w.privateKey as Hex, {
      type: VoteType.Precommit,
      height,
      round: 0,
      blockHash,
      validator: addr(w),
    }).signature,
  })).sort((a, b) => (a.validator < b.validator ? -1 : 1));
  return { height, round: 0, blockHash, signatures };
}

/** A native transfer signed directly with the key (ethers' Wallet adds async overhead per tx). */
export function signedTransfer(key: SigningKey, to: Address, nonce: number): Uint8Array {
  const tx = EthersTransaction.from({
    type: 2,
    chainId: CHAIN_ID,
    nonce,
    to,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 2n * BASE_FEE,
    maxPriorityFeePerGas: 0n,
  });
  tx.signature = key.sign(tx.unsignedHash);
  return Uint8Array.from(Buffer.from(tx.serialized.slice(2), "hex"));
}

/** Appends `blocks` decided blocks to `node`, each carrying one transfer from each of `senders` first senders. */
export async function buildBlocks(node: BenchChain, blocks: number, txsPerBlock: number): Promise<void> {
  const keys = senderWallets(txsPerBlock).map((w) => ({
    key: new SigningKey(w.privateKey),
    address: addr(w),
  }));
  const proposer = addr(BENCH_VALIDATORS[0] as Wallet);
  const sink = addr(testWallet(99));
  for (let i = 0; i < blocks; i++) {
    const height = node.chain.height + 1;
    // mempool.add throws for a transaction it refuses.
    for (const { key, address } of keys)
      node.mempool.add(signedTransfer(key, sink, Number(node.app.nonce(address))));
    node.clock.now += 1_000;
    const value = await node.chain.buildBlock(height, proposer);
    if (value.block.txs.length !== txsPerBlock)
      throw new Error(`block ${height} carries ${value.block.txs.length} txs, not ${txsPerBlock}`);
    await node.chain.commitBlock(value, benchCommit(height, value.blockHash as Hex));
  }
}
