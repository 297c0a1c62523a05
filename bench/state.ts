import "../node/util/polyfill.ts";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type AppGenesis, type Application, openApplication } from "../node/app/index.ts";
import { stateKey, TABLE_CODECS } from "../node/app/stateCodec.ts";
import { Chain, type ChainOptions } from "../node/chain/chain.ts";
import { secp256k1Verifier } from "../node/consensus/verifier.ts";
import {
  type Address,
  bytesToHex,
  concatBytes,
  encodeRlpItem,
  type Hex,
  hexToBytes,
  keccak256,
  privateKeyToAddress,
  signDigest,
} from "../node/crypto/index.ts";
import { createMempool, type Mempool } from "../node/mempool/index.ts";
import { type BatchOp, Bucket, ChainStore, openDatabase } from "../node/storage/index.ts";
import { uintToRlp } from "../node/types/index.ts";
import { commitFor, GENESIS_HASH, GENESIS_TIME } from "../test/helpers/chainFixture.ts";
import { BASE_FEE, CHAIN_ID, ETHER, PROPOSER, testGenesis } from "../test/helpers/genesisFixture.ts";
import { formatTable } from "./lib/table.ts";

/**
 * State that does not have to fit in memory: a node whose state holds ACCOUNTS funded accounts (written straight
 * into its classic-level database by a child process, in batches) opens its store and app, then builds and
 * commits BLOCKS blocks of TXS transfers, each to a random one of those accounts, through the node's own path
 * (mempool checkTx, Chain.buildBlock with its prefetch, the block's atomic batch, commit). Prints the peak RSS
 * while committing, the start-up time and blocks/s against their goals.
 *
 * The bulk accounts are written below the genesis: the stored genesis appHash covers the genesis file's
 * accounts only, which nothing re-checks, so the figures are those of reading and writing, not of hashing.
 * Senders are recovered with the native secp256k1 addon so that the figure is the state's, not noble's.
 * `npm run bench:state` runs the compiled build (dist/), as a container does: RSS then holds no TypeScript loader.
 */

const ACCOUNTS = Number(process.env.OUTRIGGER_BENCH_STATE_ACCOUNTS ?? 1_000_000);
const BLOCKS = Number(process.env.OUTRIGGER_BENCH_STATE_BLOCKS ?? 10);
const TXS = Number(process.env.OUTRIGGER_BENCH_STATE_TXS ?? 500);
const GOAL = { rssMb: 200, startupSeconds: 10 };
/** Blocks/s a 1 s block interval needs, with room for consensus. */
const GOAL_BLOCKS_PER_SECOND = 1;
const WRITE_BATCH = 50_000;

/** Resident memory in MB: the whole of it, and the part that is file pages LevelDB maps (the kernel can drop those). */
function residentMb(): { rss: number; anon: number; file: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  const mb = (n: number) => Math.round(n / 1024);
  return { rss: mb(kb("VmRSS")), anon: mb(kb("RssAnon")), file: mb(kb("RssFile")) };
}

/** Distinct, spread-out addresses for the bulk accounts: a bijective 32-bit mix of i in each of five words. */
function bulkAddressBytes(i: number): Uint8Array {
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  let x = (i + 1) >>> 0;
  for (let word = 0; word < 5; word++) {
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    view.setUint32(word * 4, word === 0 ? x : x ^ (i + word), false);
  }
  return out;
}

const bulkAddress = (i: number): Address => bytesToHex(bulkAddressBytes(i)) as Address;

interface Sender {
  key: Hex;
  address: Address;
}

/** One sender per transaction of a block, each sending one transaction a block. */
function senders(count: number): Sender[] {
  return Array.from({ length: count }, (_, i) => {
    const key: Hex = `0x${(0x5000 + i).toString(16).padStart(64, "0")}`;
    return { key, address: privateKeyToAddress(key) };
  });
}

function genesisOf(from: readonly Sender[]): AppGenesis {
  const base = testGenesis();
  return {
    ...base,
    alloc: [...base.alloc, ...from.map((s) => ({ address: s.address, balance: 1000n * ETHER }))],
  };
}

/** A legacy EIP-155 transfer, signed natively (ethers would take longer than the block it goes into). */
function transfer(from: Sender, nonce: number, to: Address): Uint8Array {
  const fields = [
    uintToRlp(BigInt(nonce), "nonce"),
    uintToRlp(BASE_FEE, "gasPrice"),
    uintToRlp(21_000n, "gasLimit"),
    hexToBytes(to, 20),
    uintToRlp(1n, "value"),
    new Uint8Array(0),
  ];
  const digest = keccak256(
    encodeRlpItem([...fields, uintToRlp(CHAIN_ID, "chainId"), new Uint8Array(0), new Uint8Array(0)]),
  );
  // node/crypto signs with the native backend when its addon loads: r, s, then v = 27 + recovery id.
  const signature = hexToBytes(signDigest(digest, from.key), 65);
  const v = CHAIN_ID * 2n + 35n + BigInt((signature[64] ?? 27) - 27);
  const trim = (b: Uint8Array) => {
    const first = b.findIndex((x) => x !== 0);
    return first === -1 ? new Uint8Array(0) : b.subarray(first);
  };
  return encodeRlpItem([
    ...fields,
    uintToRlp(v, "v"),
    trim(signature.subarray(0, 32)),
    trim(signature.subarray(32, 64)),
  ]);
}

const CHAIN_OPTIONS: ChainOptions = {
  chainId: CHAIN_ID,
  genesisHash: GENESIS_HASH,
  genesisTime: GENESIS_TIME,
  maxClockDriftMs: 1000,
  maxBlockTxs: 10_000,
  maxBlockTxBytes: 8 << 20,
};

interface BenchNode {
  app: Application;
  chain: Chain;
  mempool: Mempool;
  close(): Promise<void>;
}

async function openNode(dir: string, genesis: AppGenesis): Promise<BenchNode> {
  const db = await openDatabase(dir);
  const store = new ChainStore({ syncBlocks: false }, { db });
  const app = await openApplication(genesis, store.stateReader(), {});
  const mempool = createMempool(
    {
      maxTxs: 4 * TXS,
      maxPerSender: 16,
      maxTxBytes: 128 * 1024,
      priceBumpPercent: 10,
      baseFee: app.params.baseFee,
    },
    {
      checkTx: (raw) => app.checkTx(raw),
      account: (a) => ({ nonce: app.nonce(a), balance: app.balance(a) }),
    },
  );
  const chain = await Chain.open(CHAIN_OPTIONS, {
    store,
    app,
    mempool,
    verifier: secp256k1Verifier,
    now: Date.now,
    checkpoints: null,
    deposits: null,
  });
  return { app, chain, mempool, close: () => db.close() };
}

/** The child process: the genesis through the node's own path, then the bulk accounts in batches. */
async function generate(dir: string): Promise<void> {
  const genesis = genesisOf(senders(TXS));
  const node = await openNode(dir, genesis);
  await node.close();
  const db = await openDatabase(dir);
  const codec = TABLE_CODECS.accounts;
  const value = encodeRlpItem(codec.encode({ nonce: 0n, balance: ETHER }));
  // The state key layout (stateCodec.ts), built from bytes: bucket, account prefix, address.
  const prefix = concatBytes(Uint8Array.of(Bucket.state), stateKey(codec, bulkAddress(0)).subarray(0, 1));
  for (let start = 0; start < ACCOUNTS; start += WRITE_BATCH) {
    const ops: BatchOp[] = [];
    for (let i = start; i < Math.min(ACCOUNTS, start + WRITE_BATCH); i++) {
      ops.push({ type: "put", key: concatBytes(prefix, bulkAddressBytes(i)), value });
    }
    await db.batch(ops);
  }
  await db.close();
}

async function measure(dir: string, generateSeconds: number): Promise<void> {
  const from = senders(TXS);
  const genesis = genesisOf(from);
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const blocks = Array.from({ length: BLOCKS }, (_, b) =>
    from.map((s) => transfer(s, b, bulkAddress(Math.floor(random() * ACCOUNTS)))),
  );

  const beforeOpen = residentMb();
  const opened = performance.now();
  const { app, chain, mempool, close } = await openNode(dir, genesis);
  const startupSeconds = (performance.now() - opened) / 1000;

  const afterOpen = residentMb();
  const peak = { ...afterOpen };
  const sampleNow = () => {
    const now = residentMb();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.anon = Math.max(peak.anon, now.anon);
    peak.file = Math.max(peak.file, now.file);
  };
  const sample = setInterval(sampleNow, 50);
  const started = performance.now();
  const phases = { checkTxMs: 0, buildMs: 0, commitMs: 0 };
  for (const [b, txs] of blocks.entries()) {
    let t = performance.now();
    for (const raw of txs) mempool.add(raw);
    phases.checkTxMs += performance.now() - t;
    t = performance.now();
    const height = b + 1;
    const built = await chain.buildBlock(height, PROPOSER);
    phases.buildMs += performance.now() - t;
    t = performance.now();
    if (built.block.txs.length !== txs.length) {
      throw new Error(`block ${height} took ${built.block.txs.length} of ${txs.length} transactions`);
    }
    await chain.commitBlock(built, commitFor(height, built.blockHash));
    phases.commitMs += performance.now() - t;
    sampleNow();
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sample);
  const memory = process.memoryUsage();
  // What the node still holds once V8 has collected the garbage of decoding and executing the blocks.
  (globalThis as { gc?: () => void }).gc?.();
  const afterGc = { ...residentMb(), heapUsed: Math.round(process.memoryUsage().heapUsed / 2 ** 20) };
  const probe = bulkAddress(Math.floor(ACCOUNTS / 2));
  const probeBalance = app.balance(probe);
  await close();

  const rssMb = peak.rss;
  const blocksPerSecond = Number((BLOCKS / seconds).toFixed(2));
  const result = {
    bench: "state over classic-level",
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
    setup: {
      accounts: ACCOUNTS,
      blocks: BLOCKS,
      txsPerBlock: TXS,
      generateSeconds: Number(generateSeconds.toFixed(1)),
    },
    startupSeconds: Number(startupSeconds.toFixed(2)),
    peakRssMb: rssMb,
    residentMb: { beforeOpen, afterOpen, peakDuringCommits: peak, afterFullGc: afterGc },
    atEndMb: {
      heapUsed: Math.round(memory.heapUsed / 2 ** 20),
      heapTotal: Math.round(memory.heapTotal / 2 ** 20),
      external: Math.round(memory.external / 2 ** 20),
    },
    blocksPerSecond,
    txsPerSecond: Math.round((BLOCKS * TXS) / seconds),
    msPerBlock: {
      checkTx: Math.round(phases.checkTxMs / BLOCKS),
      build: Math.round(phases.buildMs / BLOCKS),
      commit: Math.round(phases.commitMs / BLOCKS),
    },
    goals: {
      rss: { goalMb: GOAL.rssMb, met: rssMb < GOAL.rssMb },
      startup: { goalSeconds: GOAL.startupSeconds, met: startupSeconds < GOAL.startupSeconds },
      blocks: { goalPerSecond: GOAL_BLOCKS_PER_SECOND, met: blocksPerSecond >= GOAL_BLOCKS_PER_SECOND },
    },
    sanity: { probeAccountBalanceWei: probeBalance.toString() },
  };
  const mark = (met: boolean) => (met ? "met" : "NOT met");
  console.log(JSON.stringify(result, null, 2));
  console.log();
  console.log(
    formatTable(
      ["measure", "value", "goal", ""],
      [
        ["accounts in state", ACCOUNTS.toLocaleString("en-US"), "", ""],
        [
          "start-up (s)",
          result.startupSeconds.toFixed(2),
          `< ${GOAL.startupSeconds}`,
          mark(result.goals.startup.met),
        ],
        ["peak RSS committing (MB)", String(rssMb), `< ${GOAL.rssMb}`, mark(result.goals.rss.met)],
        ["  anonymous / mapped files (MB)", `${peak.anon} / ${peak.file}`, "", ""],
        ["RSS before opening the store (MB)", String(beforeOpen.rss), "", ""],
        ["RSS / JS heap after a full GC (MB)", `${afterGc.rss} / ${afterGc.heapUsed}`, "", ""],
        [
          `blocks/s (${TXS} transfers each)`,
          String(blocksPerSecond),
          `>= ${GOAL_BLOCKS_PER_SECOND}`,
          mark(result.goals.blocks.met),
        ],
        ["transfers/s", String(result.txsPerSecond), "", ""],
      ],
    ),
  );
  if (ACCOUNTS < 1_000_000)
    console.log(`note: ${ACCOUNTS} accounts; the goals are set for 1,000,000 (the default).`);
}

const [mode, dir] = process.argv.slice(2);
if (mode === "--generate") await generate(dir as string);
else if (mode === "--measure") await measure(dir as string, Number(process.argv[4]));
else {
  const home = await mkdtemp(join(tmpdir(), "outrigger-bench-state-"));
  const db = join(home, "db");
  const self = (...args: string[]) => [...process.execArgv, import.meta.filename, ...args];
  try {
    const started = performance.now();
    // Each part in its own process: what writing the state allocated is not counted in the node's RSS, and the
    // measuring process may force a full GC to tell retained memory from garbage.
    execFileSync(process.execPath, self("--generate", db), { stdio: "inherit" });
    const generateSeconds = ((performance.now() - started) / 1000).toFixed(1);
    execFileSync(process.execPath, ["--expose-gc", ...self("--measure", db, generateSeconds)], {
      stdio: "inherit",
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
