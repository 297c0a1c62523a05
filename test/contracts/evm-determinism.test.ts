import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AppError,
  type Application,
  type AppTx,
  type BlockContext,
  type BuiltBlock,
  type CallRequest,
  type ExecutionResult,
  erc20Interface,
  GAS_POOL_ADDRESS,
  nativeTokenAddress,
} from "../../node/app/index.ts";
import { type Address, type Hex, keccak256Hex } from "../../node/crypto/index.ts";
import { addr, ETHER, testGenesis, testWallet } from "../helpers/appFixture.ts";
import { EvmWorkload, type PlannedTx, probeInterface } from "../helpers/evmWorkload.ts";
import { memoryReplica, type ReplicaNode, replicaHome, storedReplica } from "../helpers/replicaNodes.ts";
import { SeededRandom } from "../helpers/seededRandom.ts";

// Random contract workloads executed by four independent apps, two over their own databases: every height's
// execution and every query must come out the same on all. A fresh seed each run, named in the test's title;
// OUTRIGGER_EVM_SEED replays one, OUTRIGGER_EVM_HEIGHTS runs longer.

function envInteger(name: string, fallback: () => number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback();
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer: ${raw}`);
  return value;
}

const SEED = envInteger("OUTRIGGER_EVM_SEED", SeededRandom.freshSeed);
const HEIGHTS = envInteger("OUTRIGGER_EVM_HEIGHTS", () => 40);
const BLOCK_TIME = 1_700_000_000_000;
const BLOCK_GAS_LIMIT = 60_000_000n;
const SENDERS = Array.from({ length: 6 }, (_, i) => testWallet(300 + i));
const OKIP = nativeTokenAddress("OKIP");
const ODOL = nativeTokenAddress("ODOL");
const TOKENS = [ODOL, OKIP];

const GENESIS = testGenesis({
  blockGasLimit: BLOCK_GAS_LIMIT,
  alloc: [...testGenesis().alloc, ...SENDERS.map((w) => ({ address: addr(w), balance: 1_000_000n * ETHER }))],
  nativeTokens: [
    {
      name: "Outrigger Dollar",
      symbol: "ODOL",
      decimals: 6,
      alloc: SENDERS.map((w, i) => ({ address: addr(w), amount: 1_000_000_000n * BigInt(i + 1) })),
    },
    {
      name: "Outrigger Kip",
      symbol: "OKIP",
      decimals: 18,
      alloc: SENDERS.slice(0, 3).map((w) => ({ address: addr(w), amount: 5n * ETHER })),
    },
  ],
});

/** eth_call and eth_estimateGas run "as the next block" at this clock: every node must take the same. */
const modules = { now: () => BLOCK_TIME };

type Answer = { ok: Hex | string } | { error: string; message: string; data: Hex | null };

/** A query's answer, a failure included: an AppError is an answer, anything else thrown is a crash. */
async function answer(run: () => Promise<Hex | bigint>): Promise<Answer> {
  try {
    const value = await run();
    return { ok: typeof value === "bigint" ? value.toString() : value };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { error: err.code, message: err.message, data: err.data ?? null };
  }
}

/** What RPC would answer about the workload's accounts and contracts, in a fixed order. */
async function queries(app: Application, workload: EvmWorkload, rng: SeededRandom): Promise<unknown[]> {
  const out: unknown[] = [];
  const call = (request: CallRequest) => answer(() => app.call(request));
  // A few of the contracts, picked alike on every node: each query runs a whole EVM, the nodes share 2 cores.
  const probes = workload.probes.length === 0 ? [] : [rng.pick(workload.probes), rng.pick(workload.probes)];
  const accounts: Address[] = [
    ...SENDERS.map(addr),
    ...workload.probes.slice(-3),
    ...workload.children.slice(-3),
    GAS_POOL_ADDRESS,
  ];
  for (const account of accounts) {
    out.push([account, app.balance(account), app.nonce(account), app.code(account), app.stakeOf(account)]);
    for (const token of TOKENS) out.push(app.tokenBalance(token, account));
  }
  for (const token of TOKENS) {
    out.push(await call({ to: token, data: erc20Interface.encodeFunctionData("totalSupply") as Hex }));
    const owner = addr(rng.pick(SENDERS));
    for (const spender of [...probes, addr(rng.pick(SENDERS))]) {
      const data = erc20Interface.encodeFunctionData("allowance", [owner, spender]) as Hex;
      out.push(await call({ to: token, data }));
    }
  }
  for (const probe of probes) {
    const from = addr(rng.pick(SENDERS));
    const probeCall = (fn: string, args: unknown[] = []) =>
      call({ to: probe, from, data: probeInterface.encodeFunctionData(fn, args) as Hex });
    out.push(app.storageAt(probe, `0x${"00".repeat(32)}`));
    out.push(await probeCall("count"));
    out.push(await probeCall("balanceIn", [rng.pick(TOKENS)]));
    out.push(await probeCall("staticTransfer", [rng.pick(TOKENS), from]));
    out.push(await probeCall("recurse", [rng.int(0, 6)]));
    out.push(await probeCall("failCustom", [rng.int(0, 9)]));
    out.push(await probeCall("nested", [rng.pick(workload.probes)]));
  }
  const estimated = probes[0];
  // Now and then only: the search runs an EVM per step.
  if (estimated !== undefined && app.height() % 8 === 0) {
    // Capped: the search then runs a few EVMs, not one per bit of the block gas limit.
    const data = probeInterface.encodeFunctionData("burnGas", [rng.int(1, 30)]) as Hex;
    out.push(await answer(() => app.estimateGas({ to: estimated, data, gas: 400_000n })));
  }
  // A creation by eth_call: the initcode runs, nothing is kept.
  const anyProbe = probes[0];
  if (anyProbe !== undefined)
    out.push(await call({ to: null, data: app.code(anyProbe).slice(0, 200) as Hex }));
  out.push(app.validatorSet(), app.nextWithdrawalId());
  return out;
}

/** The candidates as the proposer's mempool would hold them: what its own checkTx accepted, in order. */
function candidatesOf(node: ReplicaNode, planned: readonly PlannedTx[]): { txs: AppTx[]; refused: string[] } {
  const txs: AppTx[] = [];
  /** `kind: error`, so that a mismatch names what was refused and why. */
  const refused: string[] = [];
  for (const p of planned) {
    const checked = node.app.checkTx(p.raw, p.hash);
    if (checked.ok) txs.push(checked.tx);
    else refused.push(`${p.kind}: ${checked.error.message}`);
  }
  return { txs, refused };
}

/** Everything a node's execution of a block produced that the chain stores or reports. */
function outcome(result: ExecutionResult) {
  return {
    height: result.height,
    parentAppHash: result.parentAppHash,
    appHash: result.appHash,
    receipts: result.receipts,
    txResults: result.txResults,
    stateWrites: result.stateWrites,
    validatorUpdates: result.validatorUpdates,
    withdrawals: result.withdrawals,
    deposits: result.deposits,
    gasUsed: result.gasUsed,
  };
}

/**
 * One height as consensus runs it: every node checks the transactions, the proposer builds the block from the
 * ones its checkTx accepted, the others execute what it built; all must produce the same, then all commit.
 */
async function proposeAndExecute(
  nodes: readonly ReplicaNode[],
  proposer: ReplicaNode,
  ctx: BlockContext,
  planned: readonly PlannedTx[],
  where: string,
): Promise<BuiltBlock> {
  const checked = nodes.map((node) => candidatesOf(node, planned));
  for (const [i, c] of checked.entries()) {
    deepStrictEqual(c.refused, checked[0]?.refused, `${where}: checkTx of ${nodes[i]?.name}`);
  }
  deepStrictEqual(
    checked[0]?.refused.map((r) => r.slice(0, r.indexOf(":"))),
    planned.filter((p) => p.admission === "refused").map((p) => p.kind),
    `${where}: checkTx refuses exactly the stale-nonce, low-gas and blob transactions: ${checked[0]?.refused.join("; ")}`,
  );
  const built = await proposer.app.buildBlock(ctx, checked[nodes.indexOf(proposer)]?.txs ?? []);
  const accepted = planned.filter((p) => p.admission !== "refused");
  deepStrictEqual(
    built.rejected.map((r) => accepted[r.index]?.kind),
    accepted.filter((p) => p.admission === "left-out").map((p) => p.kind),
    `${where}: the proposer leaves out exactly the reused-nonce and nonce-gap transactions (${built.rejected
      .map((r) => r.error.message)
      .join("; ")})`,
  );
  deepStrictEqual(
    built.txs.map((raw) => keccak256Hex(raw)),
    accepted.filter((p) => p.admission === "included").map((p) => p.hash),
    `${where}: the block holds the other transactions, in order`,
  );
  const results = new Map<ReplicaNode, ExecutionResult>([[proposer, built.result]]);
  for (const node of nodes) {
    if (node !== proposer) results.set(node, await node.app.executeBlock(ctx, built.txs));
  }
  const expected = outcome(built.result);
  for (const node of nodes) {
    deepStrictEqual(
      outcome(results.get(node) as ExecutionResult),
      expected,
      `${where}: ${node.name}'s execution`,
    );
  }
  for (const node of nodes) await node.commit(results.get(node) as ExecutionResult);
  return built;
}

interface RunStats {
  txs: number;
  leftOut: number;
  refused: number;
  errors: Map<string, number>;
  /** Included transactions by type byte (0 for legacy). */
  types: Map<number, number>;
  /** Set-code transactions whose call ran delegated code at its target, an account without code of its own. */
  delegatedRuns: number;
}

async function runReplicas(nodes: ReplicaNode[], seed: number, heights: number): Promise<RunStats> {
  const rng = new SeededRandom(seed);
  const queryRng = (height: number) => new SeededRandom((seed ^ 0x5eed) + height);
  const first = nodes[0] as ReplicaNode;
  const genesisSupply = await first.app.nativeSupply();
  const domains = new Map<Address, { name: string; version: string }>();
  for (const token of TOKENS) {
    const raw = await first.app.call({
      to: token,
      data: erc20Interface.encodeFunctionData("eip712Domain") as Hex,
    });
    const [, name, version] = erc20Interface.decodeFunctionResult("eip712Domain", raw);
    domains.set(token, { name: String(name), version: String(version) });
  }
  const workload = new EvmWorkload(
    {
      senders: SENDERS,
      tokens: TOKENS,
      blockGasLimit: BLOCK_GAS_LIMIT,
      permitDomain: (token) => domains.get(token) ?? { name: "", version: "" },
    },
    { rng },
  );
  const stats: RunStats = {
    txs: 0,
    leftOut: 0,
    refused: 0,
    errors: new Map(),
    types: new Map(),
    delegatedRuns: 0,
  };
  for (let height = 1; height <= heights; height++) {
    const where = `seed ${seed} height ${height}`;
    const proposer = nodes[height % nodes.length] as ReplicaNode;

    const planned = await workload.plan(proposer.app, rng.int(5, 20));
    const ctx: BlockContext = { height, time: BLOCK_TIME + height * 1000, proposer: proposer.proposer };
    const built = await proposeAndExecute(nodes, proposer, ctx, planned, where);
    if (height === Math.floor(heights / 2)) {
      // A restart in the middle: the stored nodes go on from what they persisted.
      for (const node of nodes) await node.restart();
    }
    const answers = await Promise.all(nodes.map((node) => queries(node.app, workload, queryRng(height))));
    for (const [i, a] of answers.entries())
      deepStrictEqual(a, answers[0], `${where}: ${nodes[i]?.name}'s queries`);
    workload.observe(built.result);
    stats.txs += built.txs.length;
    stats.leftOut += built.rejected.length;
    stats.refused += planned.filter((p) => p.admission === "refused").length;
    for (const r of built.result.txResults) {
      const key = r.error ?? "ok";
      stats.errors.set(key, (stats.errors.get(key) ?? 0) + 1);
    }
    for (const raw of built.txs) {
      const type = (raw[0] ?? 0) >= 0xc0 ? 0 : (raw[0] ?? 0);
      stats.types.set(type, (stats.types.get(type) ?? 0) + 1);
    }
    const receipts = built.result.receipts.slice(built.result.receipts.length - built.txs.length);
    for (const [i, receipt] of receipts.entries()) {
      const setsCode = built.txs[i]?.[0] === 0x04;
      if (setsCode && receipt.logs.some((log) => log.address.toLowerCase() === receipt.to))
        stats.delegatedRuns++;
    }
  }
  const supplies = await Promise.all(nodes.map((node) => node.app.nativeSupply()));
  for (const supply of supplies) {
    strictEqual(
      supply,
      genesisSupply - workload.burned,
      `seed ${seed}: native supply, less what selfdestruct burned`,
    );
  }
  return stats;
}

describe("EVM determinism across replicas", () => {
  test(`random contract workloads agree on 4 nodes, 2 over stores (seed ${SEED}, ${HEIGHTS} heights; replay with OUTRIGGER_EVM_SEED=${SEED})`, async () => {
    const home = await replicaHome();
    const nodes: ReplicaNode[] = [];
    try {
      const proposers = [0xf1, 0xf2, 0xf3, 0xf4].map(
        (i) => `0x${i.toString(16).padStart(40, "0")}` as Address,
      );
      // One at a time, so that whatever opened is closed by the finally below.
      const common = { genesis: GENESIS, modules };
      nodes.push(
        await storedReplica({
          ...common,
          name: "stored-a",
          proposer: proposers[0] as Address,
          dir: home.dir("a"),
        }),
      );
      nodes.push(memoryReplica({ ...common, name: "memory-b", proposer: proposers[1] as Address }));
      // A tiny cache: nearly every read goes to the database.
      nodes.push(
        await storedReplica({
          ...common,
          name: "stored-c",
          proposer: proposers[2] as Address,
          dir: home.dir("c"),
          cacheEntries: 8,
        }),
      );
      nodes.push(memoryReplica({ ...common, name: "memory-d", proposer: proposers[3] as Address }));
      const stats = await runReplicas(nodes, SEED, HEIGHTS);
      // The workload did what it is for: failures of every kind, creations, left-out and refused transactions.
      ok(stats.txs >= HEIGHTS * 4, `seed ${SEED}: ${stats.txs} transactions`);
      ok(
        stats.leftOut > 0 && stats.refused > 0,
        `seed ${SEED}: ${stats.leftOut} left out, ${stats.refused} refused`,
      );
      // Every transaction type was executed, and delegations took effect.
      for (const type of [0, 1, 2, 4])
        ok((stats.types.get(type) ?? 0) > 0, `seed ${SEED}: no type-${type} transaction`);
      ok(stats.delegatedRuns > 0, `seed ${SEED}: no set-code transaction ran delegated code`);
      for (const error of ["ok", "execution reverted", "out of gas"]) {
        ok(
          (stats.errors.get(error) ?? 0) > 0,
          `seed ${SEED}: no transaction ended "${error}": ${[...stats.errors]}`,
        );
      }
    } finally {
      for (const node of nodes) await node.close();
      await home.remove();
    }
  });
});
