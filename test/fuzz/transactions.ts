import { getBytes, Signature, Transaction, type TransactionLike, Wallet } from "ethers";
import fc from "fast-check";
import { AppError } from "../../node/app/errors.ts";
import { decodeTransaction, type TxRules } from "../../node/app/transaction.ts";
import { bytesToHex, RlpError } from "../../node/crypto/index.ts";
import { decodeDepositTx, encodeDepositTx } from "../../node/types/index.ts";
import { type ErrorClass, expectTyped, type FuzzTarget, syncTarget } from "./harness.ts";
import { hostileBytesArb, wireInputs } from "./mutate.ts";
import { addressArb, hashArb, uint64Arb, uint256Arb } from "./wireValues.ts";

/**
 * Transactions of every type through decodeTransaction, the one decoder behind eth_sendRawTransaction, the
 * tx/txs gossip topics and block validation: it throws AppError only. Valid ones are built with ethers'
 * Transaction from generated fields and mutated; deposit transactions (0x7e) also go through their own decoder,
 * which throws RlpError only.
 */

export const FUZZ_CHAIN_ID = 7447n;
const RULES: TxRules = { chainId: FUZZ_CHAIN_ID, baseFee: 1_000_000_000n };

/** What the mempool's admission runs on a gossiped or submitted transaction. */
export const decodeTxAsAdmitted: { decode(raw: Uint8Array): void; errors: readonly ErrorClass[] } = {
  decode: (raw) => decodeTransaction(raw, RULES),
  errors: [AppError],
};

const WALLET = new Wallet(`0x${"11".repeat(32)}`);

/** One real signature, reused: each input's own would cost a signing per input, and recovery fails alike. */
const FIXED_SIGNATURE = WALLET.signingKey.sign(`0x${"22".repeat(32)}`);

export type TxKind = "legacy" | "eip155" | "0x01" | "0x02" | "0x03" | "0x04";
export const TX_KINDS: readonly TxKind[] = ["legacy", "eip155", "0x01", "0x02", "0x03", "0x04"];

const feeArb = fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 12n }), uint256Arb);
const accessListArb = fc.array(
  fc.record({ address: addressArb, storageKeys: fc.array(hashArb, { maxLength: 2 }) }),
  { maxLength: 2 },
);

const commonFields = fc.record({
  nonce: fc.oneof(fc.nat({ max: 1000 }), fc.nat()),
  gasLimit: fc.oneof(fc.constant(21_000n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  to: fc.option(addressArb),
  value: fc.oneof(fc.constant(0n), uint256Arb),
  data: fc.uint8Array({ maxLength: 64 }),
  chainId: fc.oneof(
    { weight: 4, arbitrary: fc.constant(FUZZ_CHAIN_ID) },
    { weight: 1, arbitrary: uint64Arb },
  ),
});

const partsArb = fc.record({
  common: commonFields,
  gasPrice: feeArb,
  maxFee: feeArb,
  tip: feeArb,
  accessList: accessListArb,
  blobHashes: fc.array(hashArb, { minLength: 1, maxLength: 2 }),
  blobFee: feeArb,
  auths: fc.array(fc.record({ address: addressArb, nonce: uint64Arb, chainId: uint64Arb }), {
    minLength: 1,
    maxLength: 2,
  }),
});
type TxParts = typeof partsArb extends fc.Arbitrary<infer P> ? P : never;

function fieldsOf(kind: TxKind, parts: TxParts): TransactionLike {
  const { common, gasPrice, maxFee, accessList, blobHashes, blobFee, auths } = parts;
  // ethers refuses to serialize a tip over the fee cap; mutations still make such inputs.
  const tip = parts.tip % (maxFee + 1n);
  const base = { ...common, data: bytesToHex(common.data) };
  const to = common.to ?? WALLET.address;
  switch (kind) {
    case "legacy":
      return { ...base, type: 0, gasPrice, chainId: 0n };
    case "eip155":
      return { ...base, type: 0, gasPrice };
    case "0x01":
      return { ...base, type: 1, gasPrice, accessList };
    case "0x02":
      return { ...base, type: 2, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip, accessList };
    case "0x03":
      return {
        ...base,
        to,
        type: 3,
        maxFeePerGas: maxFee,
        maxPriorityFeePerGas: tip,
        accessList,
        blobVersionedHashes: blobHashes.map((h) => `0x01${h.slice(4)}`),
        maxFeePerBlobGas: blobFee,
      };
    case "0x04":
      return {
        ...base,
        to,
        type: 4,
        maxFeePerGas: maxFee,
        maxPriorityFeePerGas: tip,
        accessList,
        authorizationList: auths.map((a) => ({ ...a, signature: FIXED_SIGNATURE })),
      };
  }
}

/** A serialized transaction of `kind`; a few in every hundred are really signed by their sender. */
export function txArb(kind: TxKind): fc.Arbitrary<Uint8Array> {
  return fc.tuple(partsArb, fc.nat({ max: 99 })).map(([parts, roll]) => {
    const tx = Transaction.from(fieldsOf(kind, parts));
    tx.signature = roll < 3 ? WALLET.signingKey.sign(tx.unsignedHash) : Signature.from(FIXED_SIGNATURE);
    return getBytes(tx.serialized);
  });
}

/** The kinds this chain accepts, for the topics that carry transactions. */
export const signedTxArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  txArb("eip155"),
  txArb("0x02"),
  txArb("legacy"),
);

const depositTxArb = fc
  .record({
    nonce: uint64Arb,
    l1TxHash: hashArb,
    l1Token: addressArb,
    from: addressArb,
    to: addressArb,
    amount: uint256Arb,
  })
  .map(encodeDepositTx);

/** Hostile RLP behind the one typed prefix the decoder reads past its first byte. */
const typed2Hostile = hostileBytesArb.map((body) => {
  const raw = new Uint8Array(1 + body.length);
  raw[0] = 0x02;
  raw.set(body, 1);
  return raw;
});

export const transactionTargets: FuzzTarget[] = [
  ...TX_KINDS.map((kind) =>
    syncTarget(
      `tx ${kind}`,
      1,
      fc.oneof({ weight: 9, arbitrary: wireInputs(txArb(kind)) }, { weight: 1, arbitrary: typed2Hostile }),
      (raw) => expectTyped(() => decodeTxAsAdmitted.decode(raw), decodeTxAsAdmitted.errors, `tx ${kind}`),
    ),
  ),
  syncTarget("tx 0x7e deposit", 2, wireInputs(depositTxArb), (raw) => {
    expectTyped(() => decodeDepositTx(raw), [RlpError], "decodeDepositTx");
    expectTyped(() => decodeTxAsAdmitted.decode(raw), decodeTxAsAdmitted.errors, "tx 0x7e");
  }),
];
