import { type Log, type TransactionReceipt, toBeHex } from "ethers";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { l1BridgeInterface, sidechainBridgeInterface } from "./abi.ts";
import type { BridgeContext } from "./context.ts";
import { NotFoundError } from "./errors.ts";
import { findLatestLog } from "./logs.ts";

/**
 * Finding the L1 Deposited event of a deposit and the sidechain WithdrawalInitiated event of a withdrawal, from a
 * nonce, an id or a transaction hash. Both events are final once found, so callers cache what this returns.
 */

export interface LocatedDeposit {
  nonce: bigint;
  l1TxHash: Hex;
  l1Block: number;
  l1Token: Address;
  from: Address;
  to: Address;
  amount: bigint;
  symbol: string;
  decimals: number;
}

export interface LocatedWithdrawal {
  id: bigint;
  l2TxHash: Hex;
  height: number;
  l1Token: Address;
  recipient: Address;
  amount: bigint;
  from: Address;
}

const DEPOSITED = l1BridgeInterface.getEvent("Deposited");
const WITHDRAWAL_INITIATED = sidechainBridgeInterface.getEvent("WithdrawalInitiated");

const lower = (s: string) => s.toLowerCase() as Address;

function parseDeposited(log: Log, bridge: Address): LocatedDeposit | null {
  if (lower(log.address) !== bridge || DEPOSITED === null || log.topics[0] !== DEPOSITED.topicHash)
    return null;
  const args = l1BridgeInterface.decodeEventLog(DEPOSITED, log.data, log.topics);
  return {
    nonce: args.getValue("nonce") as bigint,
    l1TxHash: lower(log.transactionHash) as Hex,
    l1Block: log.blockNumber,
    l1Token: lower(args.getValue("token") as string),
    from: lower(args.getValue("from") as string),
    to: lower(args.getValue("to") as string),
    amount: args.getValue("amount") as bigint,
    symbol: args.getValue("symbol") as string,
    decimals: Number(args.getValue("decimals") as bigint),
  };
}

function parseWithdrawalInitiated(log: Log, bridge: Address): LocatedWithdrawal | null {
  if (lower(log.address) !== bridge || WITHDRAWAL_INITIATED === null) return null;
  if (log.topics[0] !== WITHDRAWAL_INITIATED.topicHash) return null;
  const args = sidechainBridgeInterface.decodeEventLog(WITHDRAWAL_INITIATED, log.data, log.topics);
  return {
    id: args.getValue("id") as bigint,
    l2TxHash: lower(log.transactionHash) as Hex,
    height: log.blockNumber,
    l1Token: lower(args.getValue("l1Token") as string),
    recipient: lower(args.getValue("l1Recipient") as string),
    amount: args.getValue("amount") as bigint,
    from: lower(args.getValue("from") as string),
  };
}

/** The deposit a receipt records; a contract that deposits several times in one tx is reported by its first. */
export function depositInReceipt(receipt: TransactionReceipt, bridge: Address): LocatedDeposit | null {
  for (const log of receipt.logs) {
    const found = parseDeposited(log, bridge);
    if (found !== null) return found;
  }
  return null;
}

export function withdrawalInReceipt(receipt: TransactionReceipt, bridge: Address): LocatedWithdrawal | null {
  for (const log of receipt.logs) {
    const found = parseWithdrawalInitiated(log, bridge);
    if (found !== null) return found;
  }
  return null;
}

export async function locateDeposit(ctx: BridgeContext, nonce: bigint): Promise<LocatedDeposit> {
  // The sidechain knows the L1 tx of every claim it holds, which saves scanning L1 logs.
  const claim = await ctx.rpc.deposit(nonce);
  if (claim !== null) {
    const receipt = await ctx.l1.getTransactionReceipt(claim.l1TxHash);
    const found = receipt === null ? null : depositInReceipt(receipt, ctx.info.bridge);
    if (found !== null && found.nonce === nonce) return found;
  }
  const next = (await ctx.l1Bridge.getFunction("nextDepositNonce")()) as bigint;
  if (nonce >= next)
    throw new NotFoundError(`no deposit with nonce ${nonce} on L1 (the next nonce is ${next})`);
  if (DEPOSITED === null) throw new Error("Deposited is missing from the bridge ABI");
  const log = await findLatestLog(
    ctx.l1,
    { address: ctx.info.bridge, topics: [DEPOSITED.topicHash, toBeHex(nonce, 32)] },
    ctx.info.deploymentBlock,
    await ctx.l1.getBlockNumber(),
  );
  const found = log === null ? null : parseDeposited(log, ctx.info.bridge);
  if (found === null) throw new NotFoundError(`the Deposited event of nonce ${nonce} was not found on L1`);
  return found;
}

export async function locateWithdrawal(
  ctx: BridgeContext,
  id: bigint,
  checkpointNumber: number | null,
): Promise<LocatedWithdrawal> {
  if (id >= ctx.info.nextWithdrawalId) await ctx.refreshInfo();
  if (id >= ctx.info.nextWithdrawalId) {
    throw new NotFoundError(
      `no withdrawal with id ${id} on the sidechain (the next id is ${ctx.info.nextWithdrawalId})`,
    );
  }
  if (WITHDRAWAL_INITIATED === null) throw new Error("WithdrawalInitiated is missing from the bridge ABI");
  const { height: head, epochLength } = await ctx.rpc.status();
  // A certified withdrawal lies in its checkpoint's epoch; otherwise it is recent, and the scan starts at the head.
  const [from, to] =
    checkpointNumber === null
      ? [0, head]
      : [(checkpointNumber - 1) * epochLength + 1, Math.min(head, checkpointNumber * epochLength)];
  const log = await findLatestLog(
    ctx.l2,
    { address: ctx.info.systemContracts.bridge, topics: [WITHDRAWAL_INITIATED.topicHash, toBeHex(id, 32)] },
    from,
    to,
  );
  const found = log === null ? null : parseWithdrawalInitiated(log, ctx.info.systemContracts.bridge);
  if (found === null)
    throw new NotFoundError(`the WithdrawalInitiated event of withdrawal ${id} was not found`);
  return found;
}

export type LocatedTransfer =
  | { kind: "deposit"; deposit: LocatedDeposit }
  | { kind: "withdrawal"; withdrawal: LocatedWithdrawal };

/** A tx hash is looked up on L1 first, then on the sidechain; a hash on neither chain is a NotFoundError. */
export async function locateTransaction(ctx: BridgeContext, hash: Hex): Promise<LocatedTransfer> {
  const l1Receipt = await ctx.l1.getTransactionReceipt(hash);
  if (l1Receipt !== null) {
    const deposit = depositInReceipt(l1Receipt, ctx.info.bridge);
    if (deposit === null) throw new NotFoundError(`L1 transaction ${hash} made no bridge deposit`);
    return { kind: "deposit", deposit };
  }
  const l2Receipt = await ctx.l2.getTransactionReceipt(hash);
  if (l2Receipt !== null) {
    const withdrawal = withdrawalInReceipt(l2Receipt, ctx.info.systemContracts.bridge);
    if (withdrawal === null)
      throw new NotFoundError(`sidechain transaction ${hash} made no bridge withdrawal`);
    return { kind: "withdrawal", withdrawal };
  }
  if ((await ctx.l1.getTransaction(hash)) !== null || (await ctx.l2.getTransaction(hash)) !== null) {
    throw new NotFoundError(`transaction ${hash} is not mined yet`);
  }
  throw new NotFoundError(`transaction ${hash} is known neither on L1 nor on the sidechain`);
}
