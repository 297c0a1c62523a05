import { Transaction } from "ethers/transaction";
import { type Address, bytesToHex, type Hex, ZERO_HASH } from "../crypto/index.ts";
import { DEPOSIT_TX_TYPE, type DepositClaim, depositTxHash, encodeBlock } from "../types/index.ts";
import type { BlockRecord, ChainInfo, Log, Receipt } from "./backend.ts";
import { logsBloom } from "./bloom.ts";
import { lowerHex, quantity, unixSeconds } from "./format.ts";

/** Ethereum's JSON shapes for blocks, transactions, receipts and logs, as geth serves them. */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** keccak256(RLP([])): there are never uncles. */
const EMPTY_UNCLES_HASH: Hex = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";
const ZERO_NONCE: Hex = "0x0000000000000000";

/** A log with the position it has in its block: logIndex counts across the whole block, as in Ethereum. */
export interface PositionedLog {
  log: Log;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
}

export function blockLogs(record: BlockRecord): PositionedLog[] {
  const out: PositionedLog[] = [];
  let logIndex = 0;
  for (const [txIndex, receipt] of record.receipts.entries()) {
    for (const log of receipt.logs) out.push({ log, txHash: receipt.txHash, txIndex, logIndex: logIndex++ });
  }
  return out;
}

export function logJson(record: BlockRecord, p: PositionedLog): Json {
  return {
    address: lowerHex(p.log.address),
    topics: p.log.topics.map(lowerHex),
    data: lowerHex(p.log.data),
    blockNumber: quantity(record.block.header.height),
    blockHash: record.hash,
    transactionHash: p.txHash,
    transactionIndex: quantity(p.txIndex),
    logIndex: quantity(p.logIndex),
    removed: false,
  };
}

/** The block's transactions in order: its deposit transactions (type 0x7e) first, then its signed ones. */
export function blockTxCount(record: BlockRecord): number {
  return record.block.depositClaims.length + record.block.txs.length;
}

function assertReceipts(record: BlockRecord): void {
  if (record.receipts.length !== blockTxCount(record)) {
    throw new Error(
      `block ${record.block.header.height} has ${record.block.depositClaims.length} deposits and ` +
        `${record.block.txs.length} txs but ${record.receipts.length} receipts`,
    );
  }
}

function blockGasUsed(record: BlockRecord): bigint {
  return record.receipts.reduce((sum, r) => sum + r.gasUsed, 0n);
}

/** The header fields, which is also what a newHeads subscription sends. */
export function headerJson(record: BlockRecord, chain: ChainInfo): { [key: string]: Json } {
  const { header } = record.block;
  return {
    number: quantity(header.height),
    hash: record.hash,
    parentHash: header.parentHash,
    nonce: ZERO_NONCE,
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: logsBloom(record.receipts.flatMap((r) => r.logs)),
    // Our header's own commitments stand in for Ethereum's tries; there is no receipts commitment to show.
    transactionsRoot: header.txsHash,
    stateRoot: header.appHash,
    receiptsRoot: ZERO_HASH,
    miner: header.proposer,
    difficulty: "0x0",
    extraData: "0x",
    gasLimit: quantity(chain.blockGasLimit),
    gasUsed: quantity(blockGasUsed(record)),
    timestamp: quantity(unixSeconds(header.time)),
    baseFeePerGas: quantity(record.baseFee),
    mixHash: ZERO_HASH,
  };
}

export function blockJson(record: BlockRecord, chain: ChainInfo, fullTransactions: boolean): Json {
  assertReceipts(record);
  return {
    ...headerJson(record, chain),
    totalDifficulty: "0x0",
    size: quantity(encodeBlock(record.block).length),
    transactions: fullTransactions
      ? record.receipts.map((_, i) => committedTxJson(record, i))
      : record.receipts.map((r) => r.txHash),
    uncles: [],
  };
}

/** A signed transaction; ethers cannot read a deposit transaction (0x7e), which is served from its claim. */
export function decodeTx(raw: Uint8Array): Transaction {
  if (txType(raw) === DEPOSIT_TX_TYPE)
    throw new Error("a deposit transaction (0x7e) is not a signed transaction");
  return Transaction.from(bytesToHex(raw));
}

/** Type byte of a raw transaction without decoding it (legacy RLP lists start at 0xc0 or above). */
export function txType(raw: Uint8Array): number {
  const first = raw[0] ?? 0;
  return first >= 0x7f ? 0 : first;
}

interface TxPlacement {
  blockHash: Hex;
  blockNumber: number;
  index: number;
  receipt: Receipt;
}

/**
 * A transaction as eth_getTransactionByHash serves it; placement is null while it waits in the mempool. The
 * sender is passed in, known since admission, rather than recovered again by ethers' `from` in JS.
 */
export function txJson(tx: Transaction, hash: Hex, from: Address, placement: TxPlacement | null): Json {
  const sig = tx.signature;
  if (sig === null) throw new Error(`transaction ${hash} is not signed`);
  const legacy = tx.type === 0 || tx.type === null;
  const out: { [key: string]: Json } = {
    blockHash: placement?.blockHash ?? null,
    blockNumber: placement === null ? null : quantity(placement.blockNumber),
    transactionIndex: placement === null ? null : quantity(placement.index),
    hash,
    type: quantity(tx.type ?? 0),
    // geth: a legacy transaction signed without EIP-155 (v = 27/28) has no chain id to show.
    ...(legacy && tx.chainId === 0n ? {} : { chainId: quantity(tx.chainId) }),
    nonce: quantity(tx.nonce),
    from: lowerHex(from),
    to: tx.to === null ? null : lowerHex(tx.to),
    value: quantity(tx.value),
    gas: quantity(tx.gasLimit),
    input: lowerHex(tx.data),
    r: quantity(BigInt(sig.r)),
    s: quantity(BigInt(sig.s)),
  };
  if (legacy) {
    out.gasPrice = quantity(tx.gasPrice ?? 0n);
    out.v = quantity(sig.networkV ?? BigInt(sig.v));
    return out;
  }
  out.accessList = (tx.accessList ?? []).map((e) => ({
    address: lowerHex(e.address),
    storageKeys: e.storageKeys.map(lowerHex),
  }));
  out.yParity = quantity(sig.yParity);
  out.v = quantity(sig.yParity);
  if (tx.type === 1) {
    out.gasPrice = quantity(tx.gasPrice ?? 0n);
    return out;
  }
  const maxFee = tx.maxFeePerGas ?? 0n;
  out.maxFeePerGas = quantity(maxFee);
  out.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas ?? 0n);
  // geth: a mined 1559 tx reports what it paid, a pending one its fee cap.
  out.gasPrice = quantity(placement?.receipt.effectiveGasPrice ?? maxFee);
  if (tx.type === 4) {
    // As signed, invalid tuples included (execution skipped them); `_s` is s as encoded, even a high one.
    out.authorizationList = (tx.authorizationList ?? []).map((a) => ({
      chainId: quantity(a.chainId),
      address: lowerHex(a.address),
      nonce: quantity(a.nonce),
      yParity: quantity(a.signature.yParity),
      r: quantity(BigInt(a.signature.r)),
      s: quantity(BigInt(a.signature._s)),
    }));
  }
  return out;
}

/**
 * A deposit transaction as OP Stack nodes serve type 0x7e: from the bridge, to the token it minted, no value, gas
 * or price, no calldata, the deposit's nonce, and zero v/r/s (ethers reads a signature off every transaction).
 * `mint` is 0: a deposit mints a token, never native coin. The L1 transaction it came from is added.
 */
export function depositTxJson(claim: DepositClaim, placement: TxPlacement): Json {
  const { receipt } = placement;
  const hash = depositTxHash(claim);
  if (receipt.txHash !== hash)
    throw new Error(`deposit ${claim.nonce} is ${hash}, its receipt ${receipt.txHash}`);
  return {
    blockHash: placement.blockHash,
    blockNumber: quantity(placement.blockNumber),
    transactionIndex: quantity(placement.index),
    hash,
    type: quantity(DEPOSIT_TX_TYPE),
    nonce: quantity(claim.nonce),
    from: lowerHex(receipt.from),
    to: receipt.to === null ? null : lowerHex(receipt.to),
    value: "0x0",
    gas: "0x0",
    gasPrice: "0x0",
    input: "0x",
    mint: "0x0",
    l1TxHash: claim.l1TxHash,
    v: "0x0",
    r: "0x0",
    s: "0x0",
  };
}

/** The block's transaction at `index` in block order: a deposit's below depositClaims.length. */
export function committedTxJson(record: BlockRecord, index: number): Json {
  const receipt = record.receipts[index];
  if (receipt === undefined) throw new Error(`no transaction ${index} in the block`);
  const placement = { blockHash: record.hash, blockNumber: record.block.header.height, index, receipt };
  const claim = record.block.depositClaims[index];
  if (claim !== undefined) return depositTxJson(claim, placement);
  const raw = record.block.txs[index - record.block.depositClaims.length];
  if (raw === undefined) throw new Error(`no transaction ${index} in the block`);
  return txJson(decodeTx(raw), receipt.txHash, receipt.from, placement);
}

/** The type byte of the block's transaction at `index` in block order. */
function typeAt(record: BlockRecord, index: number): number {
  const deposits = record.block.depositClaims.length;
  if (index < deposits) return DEPOSIT_TX_TYPE;
  const raw = record.block.txs[index - deposits];
  if (raw === undefined) throw new Error(`no transaction ${index} in the block`);
  return txType(raw);
}

export function receiptJson(record: BlockRecord, index: number): Json {
  assertReceipts(record);
  const receipt = record.receipts[index];
  if (receipt === undefined) throw new Error(`no receipt ${index} in the block`);
  const logs = blockLogs(record).filter((p) => p.txIndex === index);
  return {
    transactionHash: receipt.txHash,
    transactionIndex: quantity(index),
    blockHash: record.hash,
    blockNumber: quantity(record.block.header.height),
    from: lowerHex(receipt.from),
    to: receipt.to === null ? null : lowerHex(receipt.to),
    cumulativeGasUsed: quantity(receipt.cumulativeGasUsed),
    gasUsed: quantity(receipt.gasUsed),
    effectiveGasPrice: quantity(receipt.effectiveGasPrice),
    contractAddress: receipt.contractAddress === null ? null : lowerHex(receipt.contractAddress),
    logs: logs.map((p) => logJson(record, p)),
    logsBloom: logsBloom(receipt.logs),
    type: quantity(typeAt(record, index)),
    status: quantity(receipt.status),
  };
}
