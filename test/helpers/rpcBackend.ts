import { Interface, Transaction, Wallet } from "ethers";
import {
  type Address,
  bytesToHex,
  type Hex,
  keccak256Hex,
  toAddress,
  VoteType,
} from "../../node/crypto/index.ts";
import type {
  AccountState,
  BlockRecord,
  BridgeInfo,
  CallOutcome,
  CallRequest,
  ChainInfo,
  CheckpointRecord,
  DepositView,
  HeldEvidence,
  Log,
  NewBlockListener,
  NodeStatus,
  PendingTxListener,
  PooledTx,
  Receipt,
  RpcBackend,
  SendTxResult,
  TxLocation,
  TxPoolCounts,
  WithdrawalProofResult,
} from "../../node/rpc/backend.ts";
import { GENESIS_BLOCK_HASH, genesisBlockRecord } from "../../node/rpc/genesisBlock.ts";
import { computeBodyHashes, depositTxHash, hashHeader } from "../../node/types/index.ts";
import type { SubmitClaimResult, TxStatus, ValidatorStanding } from "../../node/types/rpc/index.ts";
import type { Block, Commit, DepositClaim, Header, Validator } from "../../node/types/shapes.ts";
import { errorMessage } from "../../node/util/errors.ts";
import type { WorkBudget } from "../../node/util/workBudget.ts";
import { signVote, type TestValidator, testValidators } from "./validators.ts";

/**
 * An in-memory RpcBackend that behaves like a small ledger: native transfers and one ERC20 token, nonces, fees to
 * the proposer, a mempool, real signed transactions and real blocks with commits. Tests drive it with mine().
 */

export const ERC20 = new Interface([
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
]);

export const GAS = { transfer: 21_000n, tokenTransfer: 52_000n } as const;
export const TOKEN_ADDRESS: Address = "0x00000000000000000000000000000000000a1b2c";
export const TOKEN_CODE: Hex = "0xfe";
/** Where deposit transactions come from, as the app's bridge system address. */
export const BRIDGE_SYSTEM_ADDRESS: Address = "0x0000000000000000000000000000000000001000";
const TRANSFER_TOPIC = ERC20.getEvent("Transfer")?.topicHash as Hex;

export interface FakeBackendOptions {
  chainId?: bigint;
  minGasPrice?: bigint;
  /** Native balances at genesis. */
  alloc: Record<Address, bigint>;
  /** Token balances at genesis. */
  tokenAlloc?: Record<Address, bigint>;
  /** Mine a block right after each accepted transaction (for tx.wait()). */
  autoMine?: boolean;
}

interface PendingTx {
  raw: Uint8Array;
  tx: Transaction;
  hash: Hex;
  from: Address;
}

export class FakeRpcBackend implements RpcBackend {
  readonly chain: ChainInfo;
  readonly validators: TestValidator[] = testValidators([10n, 20n, 30n]);
  /** Block 0, which exists from the start, as the node serves it. */
  readonly genesis: BlockRecord;
  /** Blocks 1 to the head: blocks[h - 1] is block h. */
  readonly blocks: BlockRecord[] = [];
  readonly commits = new Map<number, Commit>();
  /** Stored certified checkpoints by number; tests fill them in. */
  readonly checkpoints = new Map<number, CheckpointRecord>();
  /** What getWithdrawalProof answers, by id; absent ids are not found. */
  readonly withdrawalProofs = new Map<bigint, WithdrawalProofResult>();
  /** What bridgeInfo answers; null is a chain without L1. */
  bridgeInfo_: BridgeInfo | null = null;
  readonly deposits = new Map<bigint, DepositView>();
  /** Evidence by the height of the block carrying it; `heldEvidence` is the node's pending evidence. */
  readonly evidence = new Map<number, HeldEvidence[]>();
  heldEvidence: HeldEvidence[] = [];
  /** Claims that reached submitDepositClaim, and what it answers. */
  readonly submittedClaims: DepositClaim[] = [];
  submitAnswer: SubmitClaimResult = { ok: true, status: "pending" };
  status_: NodeStatus = { syncing: false, highestKnownHeight: null, peers: 3, validator: null };
  autoMine: boolean;
  /** Calls that reached the backend, for tests that prove a bad request changed nothing. */
  readonly calls: string[] = [];

  readonly #balances = new Map<Address, bigint>();
  readonly #nonces = new Map<Address, bigint>();
  readonly #tokens = new Map<Address, bigint>();
  readonly #pending = new Map<Hex, PendingTx>();
  readonly #txIndex = new Map<Hex, { height: number; index: number }>();
  readonly #byHash = new Map<Hex, BlockRecord>();
  readonly #listeners = new Set<NewBlockListener>();
  readonly #pendingListeners = new Set<PendingTxListener>();
  /** Transactions held behind a nonce gap (holdQueued): in the pool view, never mined. */
  readonly #queued = new Map<Hex, PendingTx>();
  #time = 1_700_000_000_000;

  constructor(opts: FakeBackendOptions) {
    this.chain = {
      chainId: opts.chainId ?? 7447n,
      clientVersion: "outrigger/v0.1.0-test",
      minGasPrice: opts.minGasPrice ?? 1_000_000_000n,
      blockGasLimit: 30_000_000n,
      epochLength: 20,
    };
    for (const [a, v] of Object.entries(opts.alloc)) this.#balances.set(toAddress(a), v);
    for (const [a, v] of Object.entries(opts.tokenAlloc ?? {})) this.#tokens.set(toAddress(a), v);
    this.autoMine = opts.autoMine ?? false;
    this.genesis = genesisBlockRecord({
      chainId: this.chain.chainId,
      time: this.#time,
      appHash: keccak256Hex(new TextEncoder().encode("state-0")),
      baseFee: this.chain.minGasPrice,
    });
  }

  /** The fake's blocks never fill: the base fee stays at the minimum. */
  nextBaseFee(): bigint {
    return this.chain.minGasPrice;
  }

  headHeight(): number {
    return this.blocks.length;
  }

  async getBlockByHeight(height: number): Promise<BlockRecord | null> {
    this.calls.push("getBlockByHeight");
    return height === 0 ? this.genesis : (this.blocks[height - 1] ?? null);
  }

  async getBlockByHash(hash: Hex): Promise<BlockRecord | null> {
    this.calls.push("getBlockByHash");
    return hash === GENESIS_BLOCK_HASH ? this.genesis : (this.#byHash.get(hash) ?? null);
  }

  async getTransaction(hash: Hex): Promise<TxLocation | null> {
    this.calls.push("getTransaction");
    const at = this.#txIndex.get(hash);
    if (at !== undefined) return { kind: "committed", ...at };
    const pending = this.#pending.get(hash);
    return pending === undefined ? null : { kind: "pending", raw: pending.raw, from: pending.from };
  }

  /** Transactions the fake mempool "dropped", for outrigger_txStatus. */
  readonly droppedTxs = new Map<Hex, Extract<TxStatus, { status: "dropped" }>>();

  async getTxStatus(hash: Hex): Promise<TxStatus | null> {
    this.calls.push("getTxStatus");
    const at = this.#txIndex.get(hash);
    if (at !== undefined) return { hash, status: "committed", blockNumber: at.height, index: at.index };
    if (this.#pending.has(hash)) return { hash, status: "pending" };
    return this.droppedTxs.get(hash) ?? null;
  }

  async getAccount(address: Address): Promise<AccountState> {
    this.calls.push("getAccount");
    return { balance: this.#balances.get(address) ?? 0n, nonce: this.#nonces.get(address) ?? 0n };
  }

  async pendingNonce(address: Address): Promise<bigint> {
    this.calls.push("pendingNonce");
    return this.#pendingNonce(address);
  }

  #pendingNonce(address: Address): bigint {
    let nonce = this.#nonces.get(address) ?? 0n;
    for (const p of this.#pending.values()) if (p.from === address && p.tx.nonce >= Number(nonce)) nonce++;
    return nonce;
  }

  async getCode(address: Address): Promise<Hex> {
    this.calls.push("getCode");
    return address === TOKEN_ADDRESS ? TOKEN_CODE : "0x";
  }

  async getStorageAt(address: Address, slot: Hex): Promise<bigint> {
    this.calls.push("getStorageAt");
    return address === TOKEN_ADDRESS && BigInt(slot) === 0n ? 7n : 0n;
  }

  tokenBalance(address: Address): bigint {
    return this.#tokens.get(address) ?? 0n;
  }

  async call(req: CallRequest, _budget?: WorkBudget): Promise<CallOutcome> {
    this.calls.push("call");
    return this.#evaluate(req);
  }

  async estimateGas(req: CallRequest): Promise<CallOutcome> {
    this.calls.push("estimateGas");
    if (req.from !== null && req.value > (this.#balances.get(req.from) ?? 0n)) {
      return { ok: false, kind: "invalid", reason: "insufficient funds for transfer", revertData: null };
    }
    return this.#evaluate(req);
  }

  #evaluate(req: CallRequest): CallOutcome {
    if (req.to !== TOKEN_ADDRESS) {
      return { ok: true, returnData: "0x", gasUsed: GAS.transfer };
    }
    let parsed: ReturnType<Interface["parseTransaction"]>;
    try {
      parsed = ERC20.parseTransaction({ data: req.data });
    } catch {
      parsed = null;
    }
    if (parsed === null) return { ok: false, kind: "revert", reason: "", revertData: "0x" };
    const encode = (value: unknown): CallOutcome => ({
      ok: true,
      returnData: ERC20.encodeFunctionResult(parsed.fragment, [value]) as Hex,
      gasUsed: GAS.tokenTransfer,
    });
    switch (parsed.name) {
      case "name":
        return encode("Test Token");
      case "symbol":
        return encode("TT");
      case "decimals":
        return encode(18);
      case "totalSupply":
        return encode([...this.#tokens.values()].reduce((a, b) => a + b, 0n));
      case "balanceOf":
        return encode(this.tokenBalance(toAddress(parsed.args[0] as string)));
      case "transfer": {
        const amount = parsed.args[1] as bigint;
        if (req.from === null || this.tokenBalance(req.from) < amount) {
          return { ok: false, kind: "revert", reason: "transfer amount exceeds balance", revertData: null };
        }
        return encode(true);
      }
    }
    return { ok: false, kind: "revert", reason: "", revertData: "0x" };
  }

  async sendRawTransaction(raw: Uint8Array): Promise<SendTxResult> {
    this.calls.push("sendRawTransaction");
    let tx: Transaction;
    try {
      tx = Transaction.from(bytesToHex(raw));
    } catch (err) {
      return { ok: false, reason: "invalid", message: `invalid transaction: ${errorMessage(err)}` };
    }
    const hash = keccak256Hex(raw);
    // As the app: legacy (with or without EIP-155), 2930, 1559 and 7702; blob transactions are refused.
    if (tx.type !== 0 && tx.type !== 1 && tx.type !== 2 && tx.type !== 4)
      return { ok: false, reason: "invalid", message: "transaction type not supported" };
    if (tx.chainId !== this.chain.chainId && !(tx.type === 0 && tx.chainId === 0n))
      return { ok: false, reason: "invalid", message: "invalid chain id" };
    if (tx.from === null) return { ok: false, reason: "invalid", message: "invalid sender" };
    // As in geth, only the pool counts as "known": a committed tx is refused for its nonce.
    if (this.#pending.has(hash)) return { ok: false, reason: "already-known", message: "" };
    const from = toAddress(tx.from);
    const stateNonce = this.#nonces.get(from) ?? 0n;
    if (BigInt(tx.nonce) < stateNonce) {
      return {
        ok: false,
        reason: "nonce-too-low",
        message: `next nonce ${stateNonce}, tx nonce ${tx.nonce}`,
      };
    }
    if (BigInt(tx.nonce) > this.#pendingNonce(from))
      return { ok: false, reason: "nonce-too-high", message: "" };
    const price = tx.type === 0 || tx.type === 1 ? (tx.gasPrice ?? 0n) : (tx.maxFeePerGas ?? 0n);
    if (price < this.chain.minGasPrice) {
      return {
        ok: false,
        reason: "underpriced",
        message: `gas price below minimum ${this.chain.minGasPrice}`,
      };
    }
    const opGas = tx.to === TOKEN_ADDRESS ? GAS.tokenTransfer : GAS.transfer;
    if (tx.gasLimit < opGas)
      return { ok: false, reason: "intrinsic-gas", message: `gas ${tx.gasLimit}, need ${opGas}` };
    if ((this.#balances.get(from) ?? 0n) < tx.gasLimit * price + tx.value) {
      return { ok: false, reason: "insufficient-funds", message: "" };
    }
    for (const p of this.#pending.values()) {
      if (p.from === from && p.tx.nonce === tx.nonce) {
        return { ok: false, reason: "replacement-underpriced", message: "" };
      }
    }
    this.#pending.set(hash, { raw, tx, hash, from });
    for (const listener of this.#pendingListeners) listener({ hash, raw, from });
    if (this.autoMine) setImmediate(() => this.mine());
    return { ok: true, hash };
  }

  async status(): Promise<NodeStatus> {
    this.calls.push("status");
    return this.status_;
  }

  async getValidators(height: number): Promise<Validator[] | null> {
    if (height < 1 || height > this.headHeight() + 1) return null;
    return this.validators.map(({ address, power }) => ({ address, power }));
  }

  async getEvidence(height: number | null): Promise<HeldEvidence[] | null> {
    if (height === null) return this.heldEvidence;
    if (height < 1 || height > this.headHeight()) return null;
    return this.evidence.get(height) ?? [];
  }

  /** Standings by address; an address not listed has stake 10 and a clean record. */
  readonly standings = new Map<Address, ValidatorStanding>();

  async getValidatorStanding(address: Address): Promise<ValidatorStanding> {
    return (
      this.standings.get(address) ?? {
        stake: 10n,
        jailed: false,
        jailedUntil: 0,
        slashed: 0n,
        missedInWindow: 0,
      }
    );
  }

  async getCommit(height: number): Promise<Commit | null> {
    return this.commits.get(height) ?? null;
  }

  async getCheckpoint(number: number | "latest"): Promise<CheckpointRecord | null> {
    const n = number === "latest" ? Math.max(0, ...this.checkpoints.keys()) : number;
    return this.checkpoints.get(n) ?? null;
  }

  async getCheckpoints(from: number, count: number): Promise<CheckpointRecord[]> {
    const out: CheckpointRecord[] = [];
    for (let n = from; n < from + count; n++) {
      const record = this.checkpoints.get(n);
      if (record) out.push(record);
    }
    return out;
  }

  async getWithdrawalProof(id: bigint): Promise<WithdrawalProofResult> {
    return this.withdrawalProofs.get(id) ?? { kind: "not-found" };
  }

  async bridgeInfo(): Promise<BridgeInfo | null> {
    return this.bridgeInfo_;
  }

  async getDeposit(nonce: bigint): Promise<DepositView | null> {
    return this.deposits.get(nonce) ?? null;
  }

  async submitDepositClaim(claim: DepositClaim): Promise<SubmitClaimResult> {
    this.calls.push("submitDepositClaim");
    this.submittedClaims.push(claim);
    return this.submitAnswer;
  }

  onNewBlock(listener: NewBlockListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  listenerCount(): number {
    return this.#listeners.size;
  }

  onPendingTx(listener: PendingTxListener): () => void {
    this.#pendingListeners.add(listener);
    return () => this.#pendingListeners.delete(listener);
  }

  pendingListenerCount(): number {
    return this.#pendingListeners.size;
  }

  /**
   * Takes a signed transaction into the pool as waiting behind a nonce gap of its sender (the fake's sends refuse
   * such nonces): the pool view lists it as queued and the pending listeners hear of it, as for a gossiped one.
   */
  holdQueued(raw: Uint8Array): Hex {
    const tx = Transaction.from(bytesToHex(raw));
    const hash = keccak256Hex(raw);
    const from = toAddress(tx.from as string);
    this.#queued.set(hash, { raw, tx, hash, from });
    for (const listener of this.#pendingListeners) listener({ hash, raw, from });
    return hash;
  }

  txPoolCounts(): TxPoolCounts {
    return { pending: this.#pending.size, queued: this.#queued.size };
  }

  txPoolContent(): PooledTx[] {
    const pooled = (p: PendingTx, executable: boolean): PooledTx => ({
      hash: p.hash,
      raw: p.raw,
      from: p.from,
      nonce: BigInt(p.tx.nonce),
      executable,
    });
    const all = [
      ...[...this.#pending.values()].map((p) => pooled(p, true)),
      ...[...this.#queued.values()].map((p) => pooled(p, false)),
    ];
    return all.sort((a, b) =>
      a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0,
    );
  }

  #effectivePrice(tx: Transaction): bigint {
    if (tx.type === 0) return tx.gasPrice ?? 0n;
    const cap = tx.maxFeePerGas ?? 0n;
    const tipped = this.chain.minGasPrice + (tx.maxPriorityFeePerGas ?? 0n);
    return cap < tipped ? cap : tipped;
  }

  #execute(p: PendingTx, proposer: Address, cumulative: bigint): Receipt {
    const { tx, from } = p;
    const price = this.#effectivePrice(tx);
    const to = tx.to === null ? null : toAddress(tx.to);
    const logs: Log[] = [];
    let status: 0 | 1 = 1;
    let gasUsed: bigint = GAS.transfer;
    if (to === TOKEN_ADDRESS) {
      gasUsed = GAS.tokenTransfer;
      const parsed = (() => {
        try {
          return ERC20.parseTransaction({ data: tx.data });
        } catch {
          return null;
        }
      })();
      const amount = parsed?.name === "transfer" ? (parsed.args[1] as bigint) : -1n;
      if (amount < 0n || this.tokenBalance(from) < amount) {
        status = 0;
      } else {
        const recipient = toAddress(parsed?.args[0] as string);
        this.#tokens.set(from, this.tokenBalance(from) - amount);
        this.#tokens.set(recipient, this.tokenBalance(recipient) + amount);
        const pad = (a: Address): Hex => `0x${a.slice(2).padStart(64, "0")}`;
        logs.push({
          address: TOKEN_ADDRESS,
          topics: [TRANSFER_TOPIC, pad(from), pad(recipient)],
          data: `0x${amount.toString(16).padStart(64, "0")}`,
        });
      }
    } else if (to !== null) {
      this.#balances.set(to, (this.#balances.get(to) ?? 0n) + tx.value);
      this.#balances.set(from, (this.#balances.get(from) ?? 0n) - tx.value);
    }
    const fee = gasUsed * price;
    this.#balances.set(from, (this.#balances.get(from) ?? 0n) - fee);
    this.#balances.set(proposer, (this.#balances.get(proposer) ?? 0n) + fee);
    this.#nonces.set(from, BigInt(tx.nonce) + 1n);
    return {
      txHash: p.hash,
      status,
      gasUsed,
      cumulativeGasUsed: cumulative + gasUsed,
      effectiveGasPrice: price,
      contractAddress: null,
      from,
      to,
      logs,
    };
  }

  /** A deposit as the app executes one: the fake's token minted to the claim's recipient, from the bridge. */
  #deposit(claim: DepositClaim): Receipt {
    this.#tokens.set(claim.to, this.tokenBalance(claim.to) + claim.amount);
    const pad = (a: Address): Hex => `0x${a.slice(2).padStart(64, "0")}`;
    return {
      txHash: depositTxHash(claim),
      status: 1,
      gasUsed: 0n,
      cumulativeGasUsed: 0n,
      effectiveGasPrice: 0n,
      contractAddress: null,
      from: BRIDGE_SYSTEM_ADDRESS,
      to: TOKEN_ADDRESS,
      logs: [
        {
          address: TOKEN_ADDRESS,
          topics: [TRANSFER_TOPIC, pad(`0x${"00".repeat(20)}`), pad(claim.to)],
          data: `0x${claim.amount.toString(16).padStart(64, "0")}`,
        },
      ],
    };
  }

  /**
   * Commits every pending transaction (in arrival order) as the next block and tells the listeners; the block's
   * deposit claims become its first transactions, as the app places them.
   */
  mine(depositClaims: DepositClaim[] = []): BlockRecord {
    const height = this.headHeight() + 1;
    const parent = this.blocks[height - 2];
    const proposer = this.validators[height % this.validators.length]?.address as Address;
    // Arrival order is nonce order per sender: a nonce above the pending one is refused.
    const included = [...this.#pending.values()];
    this.#pending.clear();
    const receipts: Receipt[] = depositClaims.map((claim) => this.#deposit(claim));
    for (const p of included)
      receipts.push(this.#execute(p, proposer, receipts.at(-1)?.cumulativeGasUsed ?? 0n));
    const lastCommit = parent === undefined ? null : (this.commits.get(height - 1) ?? null);
    this.#time += 1000;
    const body: Omit<Block, "header"> = {
      txs: included.map((p) => p.raw),
      lastCommit,
      evidence: [],
      depositClaims,
      checkpoints: [],
    };
    const header: Header = {
      chainId: this.chain.chainId,
      height,
      time: this.#time,
      parentHash: parent?.hash ?? GENESIS_BLOCK_HASH,
      proposer,
      validatorsHash: keccak256Hex(Uint8Array.of(1)),
      nextValidatorsHash: keccak256Hex(Uint8Array.of(1)),
      appHash: keccak256Hex(new TextEncoder().encode(`state-${height}`)),
      ...computeBodyHashes(body),
    };
    const record: BlockRecord = {
      block: { header, ...body },
      hash: hashHeader(header),
      receipts,
      baseFee: this.chain.minGasPrice,
    };
    this.blocks.push(record);
    this.#byHash.set(record.hash, record);
    for (const [index, r] of receipts.entries()) this.#txIndex.set(r.txHash, { height, index });
    this.commits.set(height, this.#commitFor(height, record.hash));
    for (const listener of this.#listeners) listener(record);
    return record;
  }

  #commitFor(height: number, blockHash: Hex): Commit {
    const signatures = this.validators.map((v) => {
      const vote = signVote(this.chain.chainId, v.key, {
        type: VoteType.Precommit,
        height,
        round: 0,
        blockHash,
        validator: v.address,
      });
      return { validator: v.address, signature: vote.signature };
    });
    return { height, round: 0, blockHash, signatures };
  }
}

/** Deterministic funded wallets (keys 0x..a1, 0x..a2, ...) so failures reproduce. */
export function testWallets(count: number): Wallet[] {
  return Array.from(
    { length: count },
    (_, i) => new Wallet(`0x${(0xa1 + i).toString(16).padStart(64, "0")}`),
  );
}
