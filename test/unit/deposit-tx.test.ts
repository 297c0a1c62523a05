import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeRlp } from "ethers";
import { bytesToHex, concatBytes, hexToBytes, keccak256Hex, RlpError } from "../../node/crypto/index.ts";
import {
  DEPOSIT_TX_TYPE,
  type DepositClaim,
  decodeDepositTx,
  decodeReceipts,
  depositTxHash,
  encodeDepositTx,
  encodeReceipts,
  isDepositTx,
  MAX_RECEIPTS_PER_BLOCK,
  MAX_TXS_PER_BLOCK,
  type Receipt,
} from "../../node/types/index.ts";

const claim: DepositClaim = {
  nonce: 258n,
  l1Token: `0x${"0a".repeat(20)}`,
  from: `0x${"0d".repeat(20)}`,
  to: `0x${"0b".repeat(20)}`,
  amount: 10n ** 18n,
  name: "USD Coin",
  symbol: "USDC",
  decimals: 6,
  l1TxHash: `0x${"ee".repeat(32)}`,
};

describe("types: deposit transaction (0x7e)", () => {
  it("is 0x7e ‖ RLP([nonce, l1TxHash, l1Token, l1From, to, amount]) and hashes as keccak256(raw)", () => {
    const raw = encodeDepositTx(claim);
    const expected = `0x7e${encodeRlp([
      "0x0102",
      claim.l1TxHash,
      claim.l1Token,
      claim.from,
      claim.to,
      "0x0de0b6b3a7640000",
    ]).slice(2)}`;
    assert.equal(bytesToHex(raw), expected);
    assert.equal(raw[0], DEPOSIT_TX_TYPE);
    assert.ok(isDepositTx(raw));
    assert.equal(depositTxHash(claim), keccak256Hex(raw));
    const { name: _n, symbol: _s, decimals: _d, ...fields } = claim;
    assert.deepEqual(decodeDepositTx(raw), fields);
  });

  it("depends on the L1 deposit only: each field changes the hash, the token metadata does not", () => {
    const hash = depositTxHash(claim);
    const renamed: DepositClaim = { ...claim, name: "Other", symbol: "O", decimals: 18 };
    assert.equal(depositTxHash(renamed), hash);
    const changes: Partial<DepositClaim>[] = [
      { nonce: 259n },
      { l1TxHash: `0x${"ef".repeat(32)}` },
      { l1Token: `0x${"0c".repeat(20)}` },
      { from: `0x${"0c".repeat(20)}` },
      { to: `0x${"0c".repeat(20)}` },
      { amount: 1n },
    ];
    const hashes = changes.map((c) => depositTxHash({ ...claim, ...c }));
    assert.equal(new Set([hash, ...hashes]).size, changes.length + 1);
  });

  it("refuses another type byte, trailing bytes, wrong field counts and malformed fields", () => {
    const raw = encodeDepositTx(claim);
    const body = raw.subarray(1);
    const bad = [
      concatBytes(Uint8Array.of(0x02), body),
      body,
      concatBytes(raw, Uint8Array.of(0)),
      hexToBytes(`0x7e${encodeRlp(["0x01", claim.l1TxHash]).slice(2)}`),
      hexToBytes(`0x7e${encodeRlp(["0x01", "0x01", claim.l1Token, claim.from, claim.to, "0x01"]).slice(2)}`),
      hexToBytes(
        `0x7e${encodeRlp(["0x0001", claim.l1TxHash, claim.l1Token, claim.from, claim.to, "0x01"]).slice(2)}`,
      ),
    ];
    for (const b of bad) assert.throws(() => decodeDepositTx(b), RlpError, bytesToHex(b));
    assert.throws(() => encodeDepositTx({ ...claim, amount: -1n }), RlpError);
  });

  it("a block's receipts may number its deposits plus its transactions", () => {
    assert.equal(MAX_RECEIPTS_PER_BLOCK, 1024 + MAX_TXS_PER_BLOCK);
    const receipt: Receipt = {
      txHash: depositTxHash(claim),
      status: 1,
      gasUsed: 0n,
      cumulativeGasUsed: 0n,
      effectiveGasPrice: 0n,
      from: `0x${"00".repeat(18)}1000`,
      to: claim.to,
      logs: [],
      contractAddress: null,
    };
    const full = Array.from({ length: MAX_TXS_PER_BLOCK + 1 }, () => receipt);
    assert.equal(decodeReceipts(encodeReceipts(full)).length, MAX_TXS_PER_BLOCK + 1);
  });
});
