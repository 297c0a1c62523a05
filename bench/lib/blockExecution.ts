import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppGenesis,
  type Application,
  type AppTx,
  createApplication,
  type ExecutionResult,
  type KnownTxs,
  openApplication,
  type StateWrite,
} from "../../node/app/index.ts";
import { type Address, concatBytes, type Hex, hexToBytes } from "../../node/crypto/index.ts";
import { type BatchOp, Bucket, ChainStore, openDatabase } from "../../node/storage/index.ts";
import { MAX_BLOCK_GAS_LIMIT } from "../../node/types/index.ts";
import { CHAIN_ID, ETHER, GWEI, ODOL, PROPOSER, testGenesis } from "../../test/helpers/genesisFixture.ts";
import type { BenchAccount } from "./accounts.ts";
import { nativeRecovery } from "./nativeRecovery.ts";
import { createdAddress, mintCall, testTokenDeployment } from "./testToken.ts";
import { type SignedTx, signTransfer, transferCall, type UnsignedTx } from "./transfers.ts";
import type { TransferKind } from "./verdict.ts";

/** Where the application keeps its state: wholly in memory, or over a node's classic-level store. */
export type StateBackend = "memory" | "classic-level";

const FIRST_BLOCK_TIME = 1_700_000_000_000;
/** The ERC20 each sender receives in the setup block: far more than any run moves. */
const MINTED = 1_000_000n * ETHER;

/**
 * The test genesis (its validators and ODOL) with every sender funded in native coin and ODOL, a funder for the
 * setup block, no epoch end within a run, and the highest block gas limit so a block holds 1,000 token calls.
 */
export function executionGenesis(senders: readonly BenchAccount[], funder: BenchAccount): AppGenesis {
  const base = testGenesis();
  return {
    ...base,
    epochLength: 1_000_000,
    blockGasLimit: MAX_BLOCK_GAS_LIMIT,
    alloc: [
      ...base.alloc,
      ...senders.map((s) => ({ address: s.address, balance: 100n * ETHER })),
      { address: funder.address, balance: 1_000n * ETHER },
    ],
    nativeTokens: [
      {
        name: "Outrigger Dollar",
        symbol: "ODOL",
        decimals: 6,
        alloc: senders.map((s) => ({ address: s.address, amount: 1_000_000_000_000n })),
      },
    ],
  };
}

export interface BlockRun {
  /** Wall time of executing and committing the block (over a store: prefetch and the state write included). */
  ms: number;
  result: ExecutionResult;
}

/** An application driven block by block in this process, as a node's chain drives it, without consensus. */
export interface ExecutionApp {
  readonly backend: StateBackend;
  readonly app: Application;
  /** Executes and commits the next block, then checks that every transaction in it succeeded. */
  run(txs: readonly SignedTx[], known?: KnownTxs): Promise<BlockRun>;
  close(): Promise<void>;
}

export class FailedTxError extends Error {
  override readonly name = "FailedTxError";
}

export async function openExecutionApp(backend: StateBackend, genesis: AppGenesis): Promise<ExecutionApp> {
  const modules = { recoverSigner: nativeRecovery };
  if (backend === "memory") {
    return driver(
      backend,
      createApplication(genesis, null, modules),
      async () => {},
      async () => {},
    );
  }
  const home = await mkdtemp(join(tmpdir(), "outrigger-bench-evm-"));
  const db = await openDatabase(join(home, "db"));
  const store = new ChainStore({ syncBlocks: false }, { db });
  const app = await openApplication(genesis, store.stateReader(), {}, modules);
  // The chain's block batch holds much more (block, receipts, tx index); the state is what the app's commit needs.
  const persist = (writes: readonly StateWrite[]) =>
    db.batch(
      writes.map(([key, value]): BatchOp => {
        const full = concatBytes(Uint8Array.of(Bucket.state), key);
        return value === null ? { type: "del", key: full } : { type: "put", key: full, value };
      }),
    );
  await persist(app.snapshotWrites());
  return driver(backend, app, persist, async () => {
    await db.close();
    await rm(home, { recursive: true, force: true });
  });
}

function driver(
  backend: StateBackend,
  app: Application,
  persist: (writes: readonly StateWrite[]) => Promise<void>,
  close: () => Promise<void>,
): ExecutionApp {
  const overStore = backend !== "memory";
  return {
    backend,
    app,
    async run(txs, known) {
      const height = app.height() + 1;
      const raws = txs.map((tx) => hexToBytes(tx.raw));
      const ctx = { height, time: FIRST_BLOCK_TIME + height * 1_000, proposer: PROPOSER };
      const start = performance.now();
      if (overStore) await app.prefetch(raws, [], PROPOSER, known);
      const result = await app.executeBlock(ctx, raws, [], known);
      await persist(result.stateWrites);
      app.commit(result);
      const ms = performance.now() - start;
      const failed = result.receipts.findIndex((r) => r.status !== 1);
      if (failed !== -1) {
        const error = result.txResults[failed]?.error ?? "?";
        throw new FailedTxError(`block ${height}: transaction ${failed} failed (${error})`);
      }
      return { ms, result };
    },
    close,
  };
}

/** The senders as the mempool hands them over: recovered once, before anything is measured. */
export function recoverAll(app: Application, txs: readonly SignedTx[]): KnownTxs {
  const known = new Map<Hex, AppTx>(txs.map((tx) => [tx.hash, app.decodeTx(hexToBytes(tx.raw))]));
  return (hash) => known.get(hash);
}

function sign(key: Uint8Array, call: UnsignedTx, nonce: bigint): SignedTx {
  // Far above the floor: full blocks raise the base fee (EIP-1559); the transactions pay only that.
  return signTransfer(key, { ...call, chainId: CHAIN_ID, nonce, maxFeePerGas: 100n * GWEI });
}

/**
 * The setup block of the erc20 kind: the funder deploys TestToken, then mints to every sender. Returns the
 * token's address.
 */
export async function deployTestToken(
  exec: ExecutionApp,
  funder: BenchAccount,
  senders: readonly BenchAccount[],
): Promise<Address> {
  const first = exec.app.nonce(funder.address);
  const token = createdAddress(funder.address, first);
  const txs = [
    sign(funder.key, await testTokenDeployment(), first),
    ...senders.map((s, i) => sign(funder.key, mintCall(token, s.address, MINTED), first + 1n + BigInt(i))),
  ];
  const { result } = await exec.run(txs);
  if (result.receipts[0]?.contractAddress !== token)
    throw new FailedTxError(`TestToken landed at ${result.receipts[0]?.contractAddress}, not ${token}`);
  return token;
}

/**
 * `blocks` blocks of `perBlock` transfers of `kind` to `token` (ignored for native), each sender paying the next
 * one: a block holds perBlock / senders rounds, round k one transaction per sender with its next nonce (the
 * senders' first is `firstNonce`).
 */
export function signBlocks(
  kind: TransferKind,
  senders: readonly BenchAccount[],
  token: Address,
  blocks: number,
  perBlock: number,
  firstNonce = 0n,
): SignedTx[][] {
  if (perBlock % senders.length !== 0) throw new RangeError("perBlock must be a multiple of the senders");
  const rounds = perBlock / senders.length;
  return Array.from({ length: blocks }, (_, b) =>
    Array.from({ length: rounds }, (_, r) =>
      senders.map((s, i) => {
        const recipient = (senders[(i + 1) % senders.length] as BenchAccount).address;
        return sign(s.key, transferCall(kind, recipient, token), firstNonce + BigInt(b * rounds + r));
      }),
    ).flat(),
  );
}

/** The system token the token kind moves: the test genesis' ODOL, held by every sender. */
export const SYSTEM_TOKEN: Address = ODOL;
