import {
  type BaseContractMethod,
  Contract,
  type ContractTransactionResponse,
  Interface,
  isError,
  JsonRpcProvider,
  Network,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from "ethers";
import { type Address, type Hex, toAddress } from "../../node/crypto/index.ts";
import type { Checkpoint, DepositClaim, Validator, Withdrawal } from "../../node/types/index.ts";
import {
  CHECKPOINT_MANAGER_ABI,
  CHECKPOINT_MANAGER_ERRORS,
  checkpointMessage,
  L1_BRIDGE_ABI,
  L1_BRIDGE_ERRORS,
  submitCheckpointArgs,
} from "../../node/types/index.ts";
import { L1PendingError, L1RevertError } from "./errors.ts";

/**
 * The L1 side of the relayer: what it reads from Bridge and CheckpointManager and the transactions it sends.
 * The tasks depend on the interface only, so tests run them against an in-memory L1.
 */

/** Blocks behind latest at which a deposit counts as final, or the L1's own `finalized` tag. */
export type L1Finality = number | "finalized";

/** Everything CheckpointManager.submitCheckpoint takes. */
export interface CheckpointSubmission {
  checkpoint: Checkpoint;
  /** The signing set, strictly ascending by address. */
  validators: Address[];
  powers: bigint[];
  signerIndices: Hex;
  signatures: Hex;
  /** The set the checkpoint hands over to (ascending), or null when it keeps the signing set. */
  nextValidators: Validator[] | null;
}

export interface L1TxResult {
  txHash: Hex;
  gasUsed: bigint;
}

export interface ExitResult extends L1TxResult {
  /** Unix seconds at which a queued exit can be released; null when it was paid at once. */
  queuedUntil: number | null;
}

export interface QueuedExit {
  token: Address;
  /** Unix seconds (L1 block time). */
  releaseAt: number;
  recipient: Address;
  amount: bigint;
}

export interface L1Side {
  /** The newest block whose deposits count as confirmed; null while the chain is shorter than the margin. */
  confirmedBlock(): Promise<number | null>;
  nextDepositNonce(blockTag: number): Promise<bigint>;
  /** The Deposited events with these nonces up to `toBlock`, in nonce order; nonces without one are absent. */
  deposits(nonces: readonly bigint[], toBlock: number): Promise<DepositClaim[]>;
  lastCheckpointNumber(): Promise<number>;
  /** Sends and waits for the receipt; throws L1RevertError if it reverts (nothing is sent if the estimate does). */
  submitCheckpoint(submission: CheckpointSubmission): Promise<L1TxResult>;
  exited(id: bigint): Promise<boolean>;
  queuedExits(id: bigint): Promise<QueuedExit | null>;
  exit(checkpointNumber: number, withdrawal: Withdrawal, proof: readonly Hex[]): Promise<ExitResult>;
  releaseQueuedExit(id: bigint): Promise<L1TxResult>;
  /** Whether releaseQueuedExit would pay now: queued, not frozen, and due or fitting the limits again. */
  releasable(id: bigint): Promise<boolean>;
  /** Time of the latest L1 block, unix seconds: queued exits are released by L1's clock, not ours. */
  latestTimestamp(): Promise<number>;
}

export interface EthersL1Options {
  bridge: Address;
  checkpointManager: Address;
  /** No deposit can be older than the Bridge, so log queries start here. */
  deploymentBlock: number;
  confirmations: L1Finality;
  /** How long to wait for a receipt before giving the tick up (the transaction stays tracked). */
  receiptTimeoutMs?: number;
  /** Added to each gas estimate, in percent, since state may change between estimate and inclusion. */
  gasHeadroomPercent?: number;
}

export interface EthersL1Modules {
  provider: Provider;
  /** The relayer's key; it only pays gas. */
  signer: Signer;
}

/**
 * A JSON-RPC provider fit for the relayer: no response cache (ethers' default 250 ms cache would answer a re-read
 * of lastCheckpointNumber right after a revert with the stale value) and a known network (no detection loop
 * that retries forever and floods the log while L1 is down).
 */
export function l1Provider(url: string, chainId: bigint, pollingIntervalMs = 1000): JsonRpcProvider {
  const network = Network.from(chainId);
  return new JsonRpcProvider(url, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: pollingIntervalMs,
  });
}

export function createEthersL1(opts: EthersL1Options, modules: EthersL1Modules): EthersL1 {
  return new EthersL1(opts, modules);
}

type Method = BaseContractMethod<unknown[], unknown, ContractTransactionResponse>;

export class EthersL1 implements L1Side {
  private readonly provider: Provider;
  private readonly bridge: Contract;
  private readonly manager: Contract;
  private readonly bridgeInterface = new Interface([...L1_BRIDGE_ABI, ...L1_BRIDGE_ERRORS]);
  private readonly receiptTimeoutMs: number;
  private readonly headroom: bigint;
  /** The one transaction we may have in flight: a new one is sent only after this one is mined. */
  private inFlight: ContractTransactionResponse | null = null;

  constructor(
    private readonly opts: EthersL1Options,
    modules: EthersL1Modules,
  ) {
    this.provider = modules.provider;
    this.bridge = new Contract(opts.bridge, this.bridgeInterface, modules.signer);
    this.manager = new Contract(
      opts.checkpointManager,
      [...CHECKPOINT_MANAGER_ABI, ...CHECKPOINT_MANAGER_ERRORS],
      modules.signer,
    );
    this.receiptTimeoutMs = opts.receiptTimeoutMs ?? 120_000;
    this.headroom = BigInt(opts.gasHeadroomPercent ?? 20);
  }

  async confirmedBlock(): Promise<number | null> {
    if (this.opts.confirmations === "finalized") {
      const block = await this.provider.getBlock("finalized");
      return block?.number ?? null;
    }
    const confirmed = (await this.provider.getBlockNumber()) - this.opts.confirmations;
    return confirmed >= 0 ? confirmed : null;
  }

  async nextDepositNonce(blockTag: number): Promise<bigint> {
    return (await this.view(this.bridge, "nextDepositNonce", [], blockTag)) as bigint;
  }

  async deposits(nonces: readonly bigint[], toBlock: number): Promise<DepositClaim[]> {
    if (nonces.length === 0 || toBlock < this.opts.deploymentBlock) return [];
    // One query for the whole batch: the nonce is an indexed topic, and a topic array is an OR filter.
    const topics = this.bridgeInterface.encodeFilterTopics("Deposited", [[...nonces]]);
    const logs = await this.provider.getLogs({
      address: this.opts.bridge,
      topics,
      fromBlock: this.opts.deploymentBlock,
      toBlock,
    });
    const wanted = new Set(nonces);
    const claims = new Map<bigint, DepositClaim>();
    for (const log of logs) {
      if (log.removed || toAddress(log.address) !== this.opts.bridge) continue;
      const parsed = this.bridgeInterface.parseLog(log);
      if (parsed?.name !== "Deposited") continue;
      const nonce = parsed.args.getValue("nonce") as bigint;
      if (!wanted.has(nonce) || claims.has(nonce)) continue;
      claims.set(nonce, {
        nonce,
        l1Token: toAddress(parsed.args.getValue("token") as string),
        from: toAddress(parsed.args.getValue("from") as string),
        to: toAddress(parsed.args.getValue("to") as string),
        amount: parsed.args.getValue("amount") as bigint,
        name: parsed.args.getValue("name") as string,
        symbol: parsed.args.getValue("symbol") as string,
        decimals: Number(parsed.args.getValue("decimals") as bigint),
        l1TxHash: log.transactionHash.toLowerCase() as Hex,
      });
    }
    return [...claims.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
  }

  async lastCheckpointNumber(): Promise<number> {
    return Number((await this.view(this.manager, "lastCheckpointNumber", [])) as bigint);
  }

  async submitCheckpoint(s: CheckpointSubmission): Promise<L1TxResult> {
    const receipt = await this.send(
      this.manager,
      "submitCheckpoint",
      submitCheckpointArgs(checkpointMessage(s.checkpoint), {
        validators: s.validators.map((address, i) => ({ address, power: s.powers[i] ?? 0n })),
        signerIndices: s.signerIndices,
        signatures: s.signatures,
        nextValidators: s.nextValidators,
      }),
    );
    return txResult(receipt);
  }

  async exited(id: bigint): Promise<boolean> {
    return (await this.view(this.bridge, "exited", [id])) as boolean;
  }

  async queuedExits(id: bigint): Promise<QueuedExit | null> {
    const [token, releaseAt, recipient, amount] = (await this.view(this.bridge, "queuedExits", [id])) as [
      string,
      bigint,
      string,
      bigint,
    ];
    if (releaseAt === 0n) return null;
    return { token: toAddress(token), releaseAt: Number(releaseAt), recipient: toAddress(recipient), amount };
  }

  async exit(checkpointNumber: number, w: Withdrawal, proof: readonly Hex[]): Promise<ExitResult> {
    const withdrawal = { id: w.id, token: w.l1Token, recipient: w.l1Recipient, amount: w.amount };
    const receipt = await this.send(this.bridge, "exit", [checkpointNumber, withdrawal, [...proof]]);
    let queuedUntil: number | null = null;
    for (const log of receipt.logs) {
      if (toAddress(log.address) !== this.opts.bridge) continue;
      const parsed = this.bridgeInterface.parseLog(log);
      if (parsed?.name === "ExitQueued") queuedUntil = Number(parsed.args.getValue("releaseAt") as bigint);
    }
    return { ...txResult(receipt), queuedUntil };
  }

  async releaseQueuedExit(id: bigint): Promise<L1TxResult> {
    return txResult(await this.send(this.bridge, "releaseQueuedExit", [id]));
  }

  async releasable(id: bigint): Promise<boolean> {
    return (await this.view(this.bridge, "releasable", [id])) as boolean;
  }

  async latestTimestamp(): Promise<number> {
    const block = await this.provider.getBlock("latest");
    if (block === null) throw new Error("the L1 has no latest block");
    return block.timestamp;
  }

  private async view(contract: Contract, name: string, args: unknown[], blockTag?: number): Promise<unknown> {
    const method = contract.getFunction(name);
    return blockTag === undefined ? method.staticCall(...args) : method.staticCall(...args, { blockTag });
  }

  /** Estimate first, so a doomed transaction costs nothing; then send and wait for the receipt. */
  private async send(contract: Contract, name: string, args: unknown[]): Promise<TransactionReceipt> {
    await this.settlePrevious();
    const method = contract.getFunction(name) as Method;
    let gas: bigint;
    try {
      gas = await method.estimateGas(...args);
    } catch (err) {
      throw asRevert(err, contract, name, "estimate");
    }
    const tx = await method.send(...args, { gasLimit: gas + (gas * this.headroom) / 100n });
    this.inFlight = tx;
    return this.awaitReceipt(tx, name, contract);
  }

  /**
   * A transaction that outlived its receipt timeout is still ours: sending the next one before it is mined
   * would put two in flight. Its outcome no longer matters, since every task re-reads L1 state.
   */
  private async settlePrevious(): Promise<void> {
    const previous = this.inFlight;
    if (previous === null) return;
    try {
      await this.awaitReceipt(previous, "previous transaction", null);
    } catch (err) {
      if (err instanceof L1PendingError) throw err;
    }
  }

  private async awaitReceipt(
    tx: ContractTransactionResponse,
    name: string,
    contract: Contract | null,
  ): Promise<TransactionReceipt> {
    let receipt: TransactionReceipt | null;
    try {
      receipt = await tx.wait(1, this.receiptTimeoutMs);
    } catch (err) {
      if (isError(err, "TIMEOUT")) {
        throw new L1PendingError(
          `${name}: transaction ${tx.hash} not mined after ${this.receiptTimeoutMs} ms`,
        );
      }
      this.inFlight = null;
      throw asRevert(err, contract, name, "receipt");
    }
    this.inFlight = null;
    if (receipt === null) throw new L1PendingError(`${name}: transaction ${tx.hash} has no receipt yet`);
    return receipt;
  }
}

function txResult(receipt: TransactionReceipt): L1TxResult {
  return { txHash: receipt.hash.toLowerCase() as Hex, gasUsed: receipt.gasUsed };
}

function asRevert(
  err: unknown,
  contract: Contract | null,
  name: string,
  stage: "estimate" | "receipt",
): unknown {
  if (!isError(err, "CALL_EXCEPTION")) return err;
  // ethers decodes custom errors for calls but not for estimates; the revert data is there either way.
  let revert = err.revert;
  if (revert === null && contract !== null && typeof err.data === "string" && err.data.length >= 10) {
    try {
      revert = contract.interface.parseError(err.data);
    } catch {
      revert = null;
    }
  }
  const detail =
    revert !== null
      ? `${revert.name}(${revert.args.map(String).join(", ")})`
      : (err.reason ?? "no reason given");
  return new L1RevertError(`${name} reverted (${stage}): ${detail}`, stage, revert?.name ?? null);
}
