import secp256k1 from "secp256k1";
import type { AppGenesis } from "../../node/app/index.ts";
import { bytesToHex, type Hex, hexToBytes, keccak256, recoverSigner } from "../../node/crypto/index.ts";
import { addr, CHAIN_ID, val1, val2 } from "../../test/helpers/appFixture.ts";
import { commitFor, openTestChain } from "../../test/helpers/chainFixture.ts";
import { type BenchAccount, benchAccounts } from "./accounts.ts";
import {
  deployTestToken,
  executionGenesis,
  openExecutionApp,
  recoverAll,
  SYSTEM_TOKEN,
  signBlocks,
} from "./blockExecution.ts";
import { BENCH_TOKEN, BENCH_TOKEN_ADDRESS } from "./loadCluster.ts";
import { nativeRecovery } from "./nativeRecovery.ts";
import { type SignedTx, signTransfer, transferCall } from "./transfers.ts";
import type { TransferKind } from "./verdict.ts";

/** What one process does alone, with no network, consensus rounds or RPC: the ceilings the cluster is compared to. */
export interface SingleProcessBounds {
  /** node/crypto recoverSigner calls per second (one per transaction a node first sees). */
  recoveriesPerSecond: number;
  /** Transfers per second the application executes and commits in memory, senders already recovered. */
  executedTransfersPerSecond: number;
  /** Blocks built, executed and persisted per second by one node's chain (LevelDB), and what they carried. */
  blockCommits: { blocksPerSecond: number; txsPerBlock: number; txsPerSecond: number };
}

const TOKEN = 10n ** 18n;
const GWEI = 10n ** 9n;
/** Accounts far above the load's: this bench's bounds never share senders with the cluster's. */
const FIRST_ACCOUNT = 1_000_000;

function genesisFor(accounts: readonly BenchAccount[]): Pick<AppGenesis, "alloc" | "nativeTokens"> {
  return {
    alloc: [
      ...accounts.map((a) => ({ address: a.address, balance: 100n * TOKEN })),
      ...[val1, val2].map((w) => ({ address: addr(w), balance: 10n * TOKEN })),
    ],
    nativeTokens: [
      { ...BENCH_TOKEN, alloc: accounts.map((a) => ({ address: a.address, amount: 1_000n * TOKEN })) },
    ],
  };
}

/** rounds[k] holds one transaction per account, with nonce k. */
function signRounds(kind: TransferKind, accounts: readonly BenchAccount[], rounds: number): SignedTx[][] {
  return Array.from({ length: rounds }, (_, nonce) =>
    accounts.map((a, i) =>
      signTransfer(a.key, {
        ...transferCall(
          kind,
          (accounts[(i + 1) % accounts.length] as BenchAccount).address,
          BENCH_TOKEN_ADDRESS,
        ),
        chainId: CHAIN_ID,
        nonce: BigInt(nonce),
        // Far above the floor: full blocks raise the base fee (EIP-1559); the transactions pay only that.
        maxFeePerGas: 100n * GWEI,
      }),
    ),
  );
}

/** Runs `work` once to warm up, then at least once and until `minMs` have passed; returns calls per second. */
function perSecond(minMs: number, work: () => number): number {
  work();
  const start = performance.now();
  let done = 0;
  do done += work();
  while (performance.now() - start < minMs);
  return done / ((performance.now() - start) / 1000);
}

export function measureRecoveries(minMs = 1_000): number {
  const samples = Array.from({ length: 64 }, (_, i) => {
    const digest = keccak256(Uint8Array.of(i));
    const key = hexToBytes(bytesToHex(keccak256(Uint8Array.of(i, 1))));
    const { signature, recid } = secp256k1.ecdsaSign(digest, key);
    const sig = new Uint8Array(65);
    sig.set(signature);
    sig[64] = 27 + recid;
    return { digest, signature: bytesToHex(sig) as Hex };
  });
  return perSecond(minMs, () => {
    for (const s of samples) recoverSigner(s.digest, s.signature);
    return samples.length;
  });
}

/**
 * Blocks of 1,000 transfers executed and committed by the application alone, in memory (bench/evm.ts measures
 * the same with a warm-up block and over classic-level too). The erc20 kind deploys TestToken first.
 */
export async function measureExecution(kind: TransferKind, blocks = 3, perBlock = 1_000): Promise<number> {
  const accounts = benchAccounts(FIRST_ACCOUNT, 200);
  const [funder] = benchAccounts(FIRST_ACCOUNT + accounts.length, 1);
  if (funder === undefined) throw new Error("no funder account");
  const exec = await openExecutionApp("memory", executionGenesis(accounts, funder));
  try {
    const token = kind === "erc20" ? await deployTestToken(exec, funder, accounts) : SYSTEM_TOKEN;
    const signed = signBlocks(kind, accounts, token, blocks, perBlock);
    const known = recoverAll(exec.app, signed.flat());
    let elapsed = 0;
    for (const txs of signed) elapsed += (await exec.run(txs, known)).ms;
    return (blocks * perBlock) / (elapsed / 1000);
  } finally {
    await exec.close();
  }
}

/** One node's chain (test fixture: 100 transactions a block at most) building and committing full blocks. */
export async function measureBlockCommits(
  kind: TransferKind,
  blocks = 10,
): Promise<SingleProcessBounds["blockCommits"]> {
  const perBlock = 100;
  const accounts = benchAccounts(FIRST_ACCOUNT, perBlock);
  const cleanups: (() => unknown)[] = [];
  try {
    const { chain, mempool, clock } = await openTestChain(
      { after: (fn) => void cleanups.push(fn as () => unknown) },
      { genesis: genesisFor(accounts), app: { recoverSigner: nativeRecovery } },
    );
    const rounds = signRounds(kind, accounts, blocks);
    let elapsed = 0;
    for (const [b, round] of rounds.entries()) {
      for (const tx of round) mempool.add(hexToBytes(tx.raw));
      clock.now += 1_000;
      const height = b + 1;
      const start = performance.now();
      const built = await chain.buildBlock(height, addr(val1));
      elapsed += performance.now() - start;
      // Signing the validators' precommits is consensus' work, not the commit's.
      const commit = commitFor(height, built.blockHash);
      const commitStart = performance.now();
      await chain.commitBlock(built, commit);
      elapsed += performance.now() - commitStart;
      if (built.block.txs.length !== perBlock)
        throw new Error(
          `block ${height} carried ${built.block.txs.length} transactions, expected ${perBlock}`,
        );
    }
    const blocksPerSecond = blocks / (elapsed / 1000);
    return { blocksPerSecond, txsPerBlock: perBlock, txsPerSecond: blocksPerSecond * perBlock };
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

export async function measureBounds(kind: TransferKind): Promise<SingleProcessBounds> {
  return {
    recoveriesPerSecond: Math.round(measureRecoveries()),
    executedTransfersPerSecond: Math.round(await measureExecution(kind)),
    // The test chain has no contract to call: the system token's transfers stand in for the ERC20's there.
    blockCommits: await measureBlockCommits(kind === "erc20" ? "token" : kind),
  };
}
