import { Wallet } from "ethers";
import type { Address } from "../../node/crypto/index.ts";
import type { BridgeInfo } from "../../node/types/rpc/index.ts";
import { parsePrivateKey } from "../keyFile.ts";
import { type BridgeContext, connectBridge } from "./context.ts";
import { type DepositRequest, type DepositResult, deposit, resolveDepositToken } from "./deposit.ts";
import { InvalidInputError } from "./errors.ts";
import { type ExitResult, exitWithdrawal } from "./exit.ts";
import { fetchDepositFacts, fetchWithdrawalFacts, proofOrNull } from "./facts.ts";
import {
  type LocatedDeposit,
  type LocatedWithdrawal,
  locateDeposit,
  locateTransaction,
  locateWithdrawal,
} from "./locate.ts";
import { type BridgeProgress, depositProgress, withdrawalProgress } from "./stages.ts";
import type { StatusRef } from "./statusRef.ts";
import { findBridgedToken, type TokenInfo, type TokenRef, tokenInfoOf } from "./tokens.ts";
import { type WaitOptions, waitFor } from "./wait.ts";
import { type WithdrawRequest, type WithdrawResult, withdraw } from "./withdraw.ts";

export interface BridgeClientOptions {
  /** A sidechain node's JSON-RPC URL (it serves eth_* and outrigger_*). */
  rpcUrl: string;
  l1RpcUrl: string;
  /** The key that signs on both chains; without one the client can only read (status, waitFor). */
  privateKey?: string;
  /** How often transaction waits poll; ethers' 4 s default is several sidechain blocks. */
  pollingIntervalMs?: number;
  rpcTimeoutMs?: number;
}

export interface BridgeClient {
  /** The signer's address, or null for a read-only client. */
  readonly address: Address | null;
  info(): Promise<BridgeInfo>;
  /** The token a deposit of `ref` moves (an ERC20 not yet bridged is read from L1). */
  depositToken(ref: TokenRef): Promise<TokenInfo>;
  /** The bridged token a withdrawal of `ref` burns. */
  withdrawToken(ref: TokenRef): Promise<TokenInfo>;
  deposit(req: DepositRequest): Promise<DepositResult>;
  withdraw(req: WithdrawRequest): Promise<WithdrawResult>;
  exit(id: bigint): Promise<ExitResult>;
  status(ref: StatusRef): Promise<BridgeProgress>;
  /** Polls status(ref) until `until` (by default: the transfer is complete) or the timeout. */
  waitFor(ref: StatusRef, opts?: Partial<WaitOptions<BridgeProgress>>): Promise<BridgeProgress>;
  close(): void;
}

function walletOf(privateKey: string | undefined): Wallet | null {
  if (privateKey === undefined) return null;
  return new Wallet(parsePrivateKey(privateKey));
}

type Located =
  | { kind: "deposit"; deposit: LocatedDeposit }
  | { kind: "withdrawal"; withdrawal: LocatedWithdrawal };

function cacheKey(ref: StatusRef): string {
  return ref.kind === "tx" ? ref.hash : ref.kind === "deposit" ? `d${ref.nonce}` : `w${ref.id}`;
}

/**
 * The user-side bridge (DESIGN.md §5): deposit on L1, withdraw on the sidechain, exit on L1, and where a transfer
 * stands. Connects lazily, so creating a client (and validating its key) touches no network.
 */
export function createBridgeClient(opts: BridgeClientOptions): BridgeClient {
  const wallet = walletOf(opts.privateKey);
  let connecting: Promise<BridgeContext> | null = null;
  // Events are final once found: polling re-reads the facts around them, never searches for them again.
  const located = new Map<string, Located>();

  const connect = () => {
    connecting ??= connectBridge(opts);
    return connecting;
  };
  const signerFor = async (chain: "l1" | "l2") => {
    if (wallet === null) throw new InvalidInputError("this bridge client has no key: it can only read");
    const ctx = await connect();
    return wallet.connect(chain === "l1" ? ctx.l1 : ctx.l2);
  };

  async function locate(ctx: BridgeContext, ref: StatusRef, checkpoint: number | null): Promise<Located> {
    const key = cacheKey(ref);
    const cached = located.get(key);
    if (cached !== undefined) return cached;
    let found: Located;
    if (ref.kind === "tx") found = await locateTransaction(ctx, ref.hash);
    else if (ref.kind === "deposit")
      found = { kind: "deposit", deposit: await locateDeposit(ctx, ref.nonce) };
    else found = { kind: "withdrawal", withdrawal: await locateWithdrawal(ctx, ref.id, checkpoint) };
    located.set(key, found);
    return found;
  }

  async function status(ref: StatusRef): Promise<BridgeProgress> {
    const ctx = await connect();
    // The proof is fetched first for an id: once certified, its checkpoint narrows the log search to one epoch.
    const early = ref.kind === "withdrawal" ? await proofOrNull(ctx.rpc, ref.id) : null;
    const found = await locate(ctx, ref, early?.checkpointNumber ?? null);
    if (found.kind === "deposit") return depositProgress(await fetchDepositFacts(ctx, found.deposit));
    const proof = ref.kind === "withdrawal" ? early : await proofOrNull(ctx.rpc, found.withdrawal.id);
    return withdrawalProgress(await fetchWithdrawalFacts(ctx, found.withdrawal, proof));
  }

  return {
    address: wallet === null ? null : (wallet.address.toLowerCase() as Address),
    info: async () => (await connect()).info,
    depositToken: async (ref) => resolveDepositToken(await connect(), ref),
    withdrawToken: async (ref) =>
      tokenInfoOf(findBridgedToken(ref, (await (await connect()).refreshInfo()).tokens)),
    deposit: async (req) => deposit(await connect(), await signerFor("l1"), req),
    withdraw: async (req) => withdraw(await connect(), await signerFor("l2"), req),
    exit: async (id) => exitWithdrawal(await connect(), await signerFor("l1"), id),
    status,
    waitFor: (ref, waitOpts = {}) => waitFor(() => status(ref), { until: (s) => s.done, ...waitOpts }),
    close() {
      connecting?.then((ctx) => ctx.close()).catch(() => {});
      connecting = null;
    },
  };
}
