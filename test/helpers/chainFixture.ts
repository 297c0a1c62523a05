import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import {
  type AppGenesis,
  type Application,
  type ApplicationModules,
  openApplication,
} from "../../node/app/index.ts";
import { Chain, type ChainModules, type ChainOptions } from "../../node/chain/chain.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { type Hex, VoteType } from "../../node/crypto/index.ts";
import { createMempool, type MempoolModules } from "../../node/mempool/index.ts";
import { ChainStore, openDatabase } from "../../node/storage/index.ts";
import type { Commit } from "../../node/types/index.ts";
import { addr, CHAIN_ID, TEST_KEYS, type TestSigner, testGenesis } from "./genesisFixture.ts";
import { signVote } from "./validators.ts";

export const GENESIS_TIME = 1_000_000;
export const GENESIS_HASH = `0x${"42".repeat(32)}` as Hex;

/** The optional chain modules a test may plug in; absent ones are off (no L1). */
export type ChainExtraModules = Partial<Pick<ChainModules, "checkpoints" | "deposits" | "evidence">>;

/** What an `extras` callback may build on: the node's storage and state, and its height once the chain is open. */
export interface ChainFixtureBase {
  store: ChainStore;
  app: Application;
  /** The chain's head height; 0 until the chain has opened. */
  height: () => number;
}

export interface TestChainOptions<X extends ChainExtraModules> {
  /** Reopen this home (a previous node's) instead of a fresh temp dir; this node then leaves it in place. */
  home?: string;
  /** The clock the chain reads; share one to keep a reopened node's time. */
  clock?: { now: number };
  /** Overrides for `testGenesis()`. */
  genesis?: Partial<AppGenesis>;
  /** The application's modules (a counting sender recovery). */
  app?: ApplicationModules;
  /** Builds the node's optional modules (and anything else the test wants back, spread into the result). */
  extras?: (base: ChainFixtureBase) => X;
  /** Chain limits beyond the fixture's (a gas cap, a build budget). */
  limits?: Pick<ChainOptions, "buildBudgetMs" | "assumedUnknownShare">;
  /** The chain's build clock and event-loop yield. */
  timing?: Pick<ChainModules, "elapsed" | "yieldNow">;
  /** What the chain tells the node: a halt, a refused proposal. */
  events?: Pick<ChainModules, "onHalt" | "onInvalidBlock" | "afterBlockWrite">;
  /** The mempool's check-cost clock. */
  mempoolElapsed?: MempoolModules["elapsed"];
}

/**
 * One node's chain over a real database in a temp dir, with the test genesis (or the state stored at `home`),
 * a mempool and a settable clock. The database is closed, and a fresh home removed, after the test.
 */
export async function openTestChain<X extends ChainExtraModules = ChainExtraModules>(
  // Only the cleanup hook: a bench opens the same chain outside a test.
  t: Pick<TestContext, "after">,
  options: TestChainOptions<X> = {},
) {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), "outrigger-chain-")));
  const db = await openDatabase(join(home, "db"));
  t.after(async () => {
    await db.close();
    if (!options.home) await rm(home, { recursive: true, force: true });
  });
  const clock = options.clock ?? { now: GENESIS_TIME + 10_000 };
  const store = new ChainStore({}, { db });
  const app = await openApplication(testGenesis(options.genesis), store.stateReader(), {}, options.app);
  const mempool = createMempool(
    {
      maxTxs: 100,
      maxPerSender: 16,
      maxTxBytes: 128 * 1024,
      priceBumpPercent: 10,
      baseFee: app.params.baseFee,
    },
    {
      checkTx: (raw) => app.checkTx(raw),
      account: (a) => ({ nonce: app.nonce(a), balance: app.balance(a) }),
      ...(options.mempoolElapsed ? { elapsed: options.mempoolElapsed } : {}),
    },
  );
  let chain: Chain | undefined;
  const extras = options.extras?.({ store, app, height: () => chain?.height ?? 0 }) ?? ({} as X);
  chain = await Chain.open(
    {
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      genesisTime: GENESIS_TIME,
      maxClockDriftMs: 1000,
      maxBlockTxs: 100,
      maxBlockTxBytes: 1 << 20,
      ...options.limits,
    },
    {
      store,
      app,
      mempool,
      verifier: secp256k1Verifier,
      now: () => clock.now,
      checkpoints: extras.checkpoints ?? null,
      deposits: extras.deposits ?? null,
      evidence: extras.evidence ?? null,
      ...options.timing,
      ...options.events,
    },
  );
  return { ...extras, home, db, store, app, mempool, chain, clock, close: () => db.close() };
}

/** A round-0 commit of `blockHash` at `height`, precommitted by `signers` (both test validators by default). */
export function commitFor(
  height: number,
  blockHash: Hex,
  signers: readonly TestSigner[] = [TEST_KEYS.val1, TEST_KEYS.val2],
): Commit {
  const signatures = signers
    .map((w) => ({
      validator: addr(w),
      signature: signVote(CHAIN_ID, w.privateKey as Hex, {
        type: VoteType.Precommit,
        height,
        round: 0,
        blockHash,
        validator: addr(w),
      }).signature,
    }))
    .sort((a, b) => (a.validator < b.validator ? -1 : 1));
  return { height, round: 0, blockHash, signatures };
}
