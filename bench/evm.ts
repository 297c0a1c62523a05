import "../node/util/polyfill.ts";
import { cpus } from "node:os";
import type { Address } from "../node/crypto/index.ts";
import { benchAccounts } from "./lib/accounts.ts";
import {
  deployTestToken,
  executionGenesis,
  openExecutionApp,
  recoverAll,
  type StateBackend,
  SYSTEM_TOKEN,
  signBlocks,
} from "./lib/blockExecution.ts";
import { measureRecoveries } from "./lib/bounds.ts";
import { formatTable } from "./lib/table.ts";
import type { TransferKind } from "./lib/verdict.ts";

/**
 * `npm run bench:evm`: transactions per second through the application's block execution on one core, in this
 * process (no cluster, consensus, mempool or RPC): executeBlock then commit, for native transfers (the fast path
 * that never enters the EVM), system-token transfer() (a precompile run by the EVM) and OpenZeppelin ERC20
 * transfer() on TestToken (EVM bytecode, deployed and minted to every sender in an unmeasured setup block).
 * Transactions are signed beforehand and their senders recovered beforehand, as a node's mempool does: signature
 * recovery is not in the figures; its own rate, measured in the same run, is printed as the bound it sets.
 * Each kind runs on a fresh app, once held in memory and once over a classic-level store (there prefetch and the
 * state's write to LevelDB are timed too); its first block warms up and is not measured, and an unreported pass
 * over every kind runs before anything is measured. The native figure is
 * the bound the other two are read against: the ratios are the cost of going through the EVM.
 */

const SENDERS = Number(process.env.OUTRIGGER_BENCH_EVM_SENDERS ?? 500);
const TXS_PER_BLOCK = Number(process.env.OUTRIGGER_BENCH_EVM_TXS ?? 1_000);
const BLOCKS = Number(process.env.OUTRIGGER_BENCH_EVM_BLOCKS ?? 5);
/** Comma-separated subsets (for profiling one kind): the ratios need the native kind. */
const BACKENDS = listFromEnv<StateBackend>("OUTRIGGER_BENCH_EVM_STATES", ["memory", "classic-level"]);
const KINDS = listFromEnv<TransferKind>("OUTRIGGER_BENCH_EVM_KINDS", ["native", "token", "erc20"]);
/** Per core, with the senders already recovered. */
const GOAL: Record<TransferKind, number> = { native: 5_000, token: 2_000, erc20: 400 };
/** Accounts of their own: this bench never shares senders with bench:load's or the bounds'. */
const FIRST_ACCOUNT = 2_000_000;

function listFromEnv<T extends string>(name: string, all: readonly T[]): T[] {
  const picked = process.env[name]?.split(",").map((v) => v.trim());
  if (picked === undefined) return [...all];
  const unknown = picked.filter((v) => !(all as readonly string[]).includes(v));
  if (unknown.length > 0) throw new Error(`${name}: ${unknown.join(",")}? (${all.join(", ")})`);
  return picked as T[];
}

interface KindFigures {
  state: StateBackend;
  kind: TransferKind;
  txPerSecond: number;
  /** Transactions over this process's CPU time (user + system) in the timed blocks: less moved by other load. */
  txPerCpuSecond: number;
  goal: number;
  met: boolean;
  /** tx/s over the same state's native tx/s. */
  relativeToNative: number | null;
  gasPerTx: number;
  mgasPerSecond: number;
  msPerBlock: { mean: number; min: number; max: number };
}

type Measured = Omit<KindFigures, "relativeToNative" | "met" | "goal">;

async function measure(state: StateBackend, kind: TransferKind, blockCount = BLOCKS): Promise<Measured> {
  const senders = benchAccounts(FIRST_ACCOUNT, SENDERS);
  const [funder] = benchAccounts(FIRST_ACCOUNT + SENDERS, 1);
  if (funder === undefined) throw new Error("no funder account");
  const exec = await openExecutionApp(state, executionGenesis(senders, funder));
  try {
    const token: Address = kind === "erc20" ? await deployTestToken(exec, funder, senders) : SYSTEM_TOKEN;
    const [warmUp, ...blocks] = signBlocks(kind, senders, token, blockCount + 1, TXS_PER_BLOCK);
    const known = recoverAll(exec.app, [...(warmUp ?? []), ...blocks.flat()]);
    await exec.run(warmUp ?? [], known);
    const times: number[] = [];
    let gas = 0n;
    let cpuMicros = 0;
    for (const txs of blocks) {
      const cpu = process.cpuUsage();
      const { ms, result } = await exec.run(txs, known);
      const used = process.cpuUsage(cpu);
      cpuMicros += used.user + used.system;
      times.push(ms);
      gas += result.gasUsed;
    }
    const seconds = times.reduce((a, b) => a + b, 0) / 1000;
    const txs = blockCount * TXS_PER_BLOCK;
    return {
      state,
      kind,
      txPerSecond: Math.round(txs / seconds),
      txPerCpuSecond: Math.round(txs / (cpuMicros / 1e6)),
      gasPerTx: Number(gas / BigInt(txs)),
      mgasPerSecond: Number((Number(gas) / 1e6 / seconds).toFixed(1)),
      msPerBlock: {
        mean: Math.round((seconds * 1000) / times.length),
        min: Math.round(Math.min(...times)),
        max: Math.round(Math.max(...times)),
      },
    };
  } finally {
    await exec.close();
  }
}

const ratio = (n: number) => Number(n.toFixed(3));

async function main(): Promise<void> {
  const recoveriesPerSecond = Math.round(measureRecoveries());
  // One unreported pass over every kind first: otherwise whichever state runs second finds the EVM's code
  // already optimised by the JIT and comes out up to twice as fast.
  for (const kind of KINDS) {
    process.stderr.write(`warm-up pass: ${kind}...\n`);
    await measure("memory", kind, 1);
  }
  const results: KindFigures[] = [];
  for (const state of BACKENDS) {
    const measured: Measured[] = [];
    for (const kind of KINDS) {
      process.stderr.write(`${state}: ${kind}...\n`);
      measured.push(await measure(state, kind));
    }
    const native = measured.find((m) => m.kind === "native")?.txPerSecond ?? Number.NaN;
    for (const m of measured) {
      results.push({
        ...m,
        goal: GOAL[m.kind],
        met: m.txPerSecond >= GOAL[m.kind],
        relativeToNative: Number.isNaN(native) ? null : ratio(m.txPerSecond / native),
      });
    }
  }
  const allKinds = KINDS.length === 3;
  const ratios = Object.fromEntries(
    (allKinds ? BACKENDS : []).map((state) => {
      const of = (kind: TransferKind) => results.find((r) => r.state === state && r.kind === kind);
      const [n, t, e] = KINDS.map((k) => of(k)?.txPerSecond ?? Number.NaN) as [number, number, number];
      return [
        state,
        {
          "native:token:erc20 (tx/s)": `1 : ${ratio(t / n)} : ${ratio(e / n)}`,
          costPerTxVsNative: { token: ratio(n / t), erc20: ratio(n / e) },
          erc20VsToken: ratio(e / t),
        },
      ];
    }),
  );
  const report = {
    bench: "block execution: native, system token, EVM ERC20",
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
    setup: {
      senders: SENDERS,
      txsPerBlock: TXS_PER_BLOCK,
      measuredBlocks: BLOCKS,
      warmUpBlocks: 1,
      warmUpPass: "every kind once (2 blocks, in memory) before any measured kind",
      timed: "executeBlock + commit (classic-level: prefetch + executeBlock + state write + commit)",
      signatureRecovery: "not measured: senders recovered beforehand and passed as known transactions",
      erc20:
        "OpenZeppelin 5 ERC20 transfer() on contracts/test/TestToken.sol, deployed and minted in a setup block",
      token: "transfer() on the test genesis' system token ODOL",
      cores: "one: the app runs in this process's single JS thread",
    },
    bounds: { recoveriesPerSecond },
    results,
    ratios,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log();
  console.log(
    formatTable(
      ["state", "kind", "tx/s", "goal", "met", "vs native", "tx/CPU-s", "gas/tx", "Mgas/s", "ms/block"],
      results.map((r) => [
        r.state,
        r.kind,
        r.txPerSecond,
        `>= ${r.goal.toLocaleString("en-US")}`,
        r.met ? "yes" : "no",
        r.relativeToNative?.toFixed(3) ?? "-",
        r.txPerCpuSecond,
        r.gasPerTx,
        r.mgasPerSecond.toFixed(1),
        `${r.msPerBlock.mean} (${r.msPerBlock.min}-${r.msPerBlock.max})`,
      ]),
    ),
  );
  console.log();
  for (const state of allKinds ? BACKENDS : []) {
    const r = ratios[state];
    console.log(`${state}: native:token:erc20 = ${r?.["native:token:erc20 (tx/s)"]} in tx/s`);
  }
  console.log(
    `bound: ${recoveriesPerSecond.toLocaleString("en-US")} signature recoveries/s (node/crypto), which a node pays once per transaction and this bench leaves out.`,
  );
  console.log(
    `${TXS_PER_BLOCK} transactions a block, ${BLOCKS} measured blocks per kind after 1 warm-up, ${SENDERS} senders, one core.`,
  );
  console.log(
    "tx/s is wall time and decides 'met'; tx/CPU-s counts this process's CPU time only (GC threads included), the steadier figure on a shared machine.",
  );
}

await main();
