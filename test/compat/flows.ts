import { JsonRpcProvider, parseEther, type TransactionResponse, Wallet } from "ethers";
import { errorMessage } from "../../node/util/errors.ts";
import * as ethers from "./ethersFlows.ts";
import type { FlowTarget } from "./support.ts";
import * as viem from "./viemFlows.ts";

export type { FlowTarget } from "./support.ts";

export type Library = "ethers" | "viem";

/** One dapp or wallet flow: resolves with a short detail when the library got what it expects, throws if not. */
export interface CompatFlow {
  name: string;
  library: Library;
  run(target: FlowTarget): Promise<string>;
}

export interface FlowResult {
  flow: string;
  library: Library;
  ok: boolean;
  detail: string;
  ms: number;
}

function flows(library: Library, list: [string, (t: FlowTarget) => Promise<string>][]): CompatFlow[] {
  return list.map(([name, run]) => ({ name, library, run }));
}

/** The longest flows come first, so a pool of runners finishes together. */
export const COMPAT_FLOWS: CompatFlow[] = [
  ...flows("ethers", [
    ["contract.on over HTTP, each event once", ethers.ethersContractOnHttp],
    ["speed-up", ethers.ethersSpeedUp],
    ["cancel", ethers.ethersCancel],
  ]),
  ...flows("viem", [
    ["event filter, each event once", viem.viemEventFilter],
    ["speed-up", viem.viemSpeedUp],
    ["cancel", viem.viemCancel],
  ]),
  ...flows("ethers", [
    ["chain id", ethers.ethersChainId],
    ["balances", ethers.ethersBalances],
    ["blocks by number, hash and tag", ethers.ethersBlocks],
    ["genesis block (0, earliest)", ethers.ethersGenesisBlock],
    ["send and wait", ethers.ethersSendAndWait],
    ["estimate and call", ethers.ethersEstimateAndCall],
    ["deploy and read a contract", ethers.ethersDeployAndRead],
    ["logs over HTTP", ethers.ethersLogsHttp],
    ["logs over WebSocket", ethers.ethersLogsWebSocket],
    ["newHeads over WebSocket", ethers.ethersNewHeadsWebSocket],
    ["pending over HTTP (filter)", ethers.ethersPendingHttp],
    ["pending over WebSocket", ethers.ethersPendingWebSocket],
    ["legacy tx (EIP-155)", ethers.ethersLegacyTx],
    ["legacy tx (no EIP-155)", ethers.ethersLegacyPreEip155Tx],
    ["type 1 tx (access list)", ethers.ethersAccessListTx],
    ["type 2 tx (EIP-1559)", ethers.ethersEip1559Tx],
    ["type 3 tx refused clearly", ethers.ethersBlobTxRefused],
    ["type 4 tx executed or refused clearly", ethers.ethersSetCodeTx],
  ]),
  ...flows("viem", [
    ["chain id", viem.viemChainId],
    ["balances", viem.viemBalances],
    ["blocks by number, hash and tag", viem.viemBlocks],
    ["genesis block (0, earliest)", viem.viemGenesisBlock],
    ["send and wait", viem.viemSendAndWait],
    ["estimate and call", viem.viemEstimateAndCall],
    ["deploy and read a contract", viem.viemDeployAndRead],
    ["logs over HTTP", viem.viemLogsHttp],
    ["block filter", viem.viemBlockFilter],
    ["pending transaction filter", viem.viemPendingFilter],
    ["watchEvent over WebSocket", viem.viemLogsWebSocket],
    ["watchBlocks over WebSocket", viem.viemBlocksWebSocket],
    ["pending over WebSocket", viem.viemPendingWebSocket],
    ["legacy tx (EIP-155)", viem.viemLegacyTx],
    ["legacy tx (no EIP-155)", viem.viemLegacyPreEip155Tx],
    ["type 1 tx (access list)", viem.viemAccessListTx],
    ["type 2 tx (EIP-1559)", viem.viemEip1559Tx],
    ["type 3 tx refused clearly", viem.viemBlobTxRefused],
    ["type 4 tx executed or refused clearly", viem.viemSetCodeTx],
  ]),
];

export interface RunOptions {
  /** The flows to run (default: all). */
  flows?: CompatFlow[];
  /** Flows running at once (default 4). */
  concurrency?: number;
  /** What each flow's own account is funded with (default 5 native tokens). */
  fundEach?: bigint;
  /** A flow still running after this is reported failed (default 60 s). */
  flowTimeoutMs?: number;
  /** Called as each flow ends, for progress output. */
  onResult?: (result: FlowResult) => void;
}

/** What runFlows does over the network besides the flows themselves; tests replace it. */
export interface RunModules {
  /** `count` fresh private keys, each holding `amount`, paid from the target's key. */
  fundAccounts(target: FlowTarget, count: number, amount: bigint): Promise<`0x${string}`[]>;
  /** Closes what the libraries keep open across flows (viem's shared socket). */
  closeSockets(target: FlowTarget): Promise<void>;
}

const NETWORK_MODULES: RunModules = { fundAccounts, closeSockets: viem.closeViemSockets };

/**
 * Runs the flows against a node. Each flow gets a fresh account funded from `target.key`, so flows run side by side
 * without sharing nonces, and one that fails half way (a transaction left in the pool) cannot disturb another.
 */
export async function runFlows(
  target: FlowTarget,
  opts: RunOptions = {},
  modules: RunModules = NETWORK_MODULES,
): Promise<FlowResult[]> {
  const list = opts.flows ?? COMPAT_FLOWS;
  let keys: `0x${string}`[];
  try {
    keys = await modules.fundAccounts(target, list.length, opts.fundEach ?? parseEther("5"));
  } catch (err) {
    const detail = `funding the flows' accounts from the given key failed: ${errorMessage(err)}`;
    return list.map((f) => ({ flow: f.name, library: f.library, ok: false, detail, ms: 0 }));
  }
  const results: FlowResult[] = new Array(list.length);
  const stragglers: Promise<unknown>[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < list.length; i = next++) {
      const flow = list[i] as CompatFlow;
      const started = Date.now();
      const running = flow.run({ ...target, key: keys[i] as `0x${string}` });
      stragglers.push(running.catch(() => undefined));
      const outcome = await withDeadline(running, opts.flowTimeoutMs ?? 60_000).then(
        (detail) => ({ ok: true, detail }),
        (err: unknown) => ({ ok: false, detail: errorMessage(err) }),
      );
      const result = { flow: flow.name, library: flow.library, ...outcome, ms: Date.now() - started };
      results[i] = result;
      opts.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  // A flow past its deadline still closes its providers when its own bounded waits end.
  await Promise.all(stragglers);
  await modules.closeSockets(target);
  return results;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Fresh keys, each funded with `amount` by one burst of transfers from the target's key. */
async function fundAccounts(target: FlowTarget, count: number, amount: bigint): Promise<`0x${string}`[]> {
  const provider = new JsonRpcProvider(target.rpcUrl);
  try {
    const funder = new Wallet(target.key, provider);
    const wallets = Array.from({ length: count }, () => Wallet.createRandom());
    const nonce = await funder.getNonce("pending");
    const sent: TransactionResponse[] = [];
    for (const [i, w] of wallets.entries())
      sent.push(await funder.sendTransaction({ to: w.address, value: amount, nonce: nonce + i }));
    for (const tx of sent) {
      const receipt = await tx.wait(1, 60_000);
      if (receipt?.status !== 1) throw new Error(`funding transfer ${tx.hash} failed`);
    }
    return wallets.map((w) => w.privateKey as `0x${string}`);
  } finally {
    provider.destroy();
  }
}

/** The results as a fixed-width table: flow, library, result, detail. */
export function formatTable(results: FlowResult[]): string {
  const rows = [
    ["flow", "library", "result", "detail"],
    ...results.map((r) => [r.flow, r.library, r.ok ? "pass" : "FAIL", r.detail.replace(/\s+/g, " ")]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c] as number) : cell.slice(0, 200)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
