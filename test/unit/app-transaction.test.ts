import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  concat,
  decodeRlp,
  encodeRlp,
  getBytes,
  keccak256,
  type RlpStructuredData,
  Transaction,
  toBeArray,
  Wallet,
} from "ethers";
import {
  AppError,
  type AppErrorCode,
  decodeTransaction,
  effectiveGasPrice,
  MAX_INITCODE_SIZE,
  upfrontCost,
} from "../../node/app/index.ts";
import { bytesToHex, hexToBytes, keccak256Hex } from "../../node/crypto/index.ts";
import { MAX_TX_BYTES } from "../../node/types/index.ts";
import { addr, alice, BASE_FEE, bob, CHAIN_ID, GWEI, signTx } from "../helpers/appFixture.ts";

const RULES = { chainId: CHAIN_ID, baseFee: BASE_FEE };
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function rejects(raw: Uint8Array, code: AppErrorCode, message?: RegExp): void {
  assert.throws(
    () => decodeTransaction(raw, RULES),
    (err: unknown) => {
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.code, code, err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

/** Re-encodes a signed transaction with s' = n - s and the other recovery id: the same signer, a second encoding. */
function malleate(raw: Uint8Array): Uint8Array {
  const typed = raw[0] === 2;
  const fields = decodeRlp(typed ? raw.subarray(1) : raw) as string[];
  const s = BigInt(fields[fields.length - 1] as string);
  fields[fields.length - 1] = bytesToHex(toBeArray(N - s));
  const vIndex = fields.length - 3;
  const v = fields[vIndex] === "0x" ? 0n : BigInt(fields[vIndex] as string);
  const flipped = typed ? v ^ 1n : v % 2n === 0n ? v - 1n : v + 1n;
  fields[vIndex] = flipped === 0n ? "0x" : bytesToHex(toBeArray(flipped));
  const body = getBytes(encodeRlp(fields));
  return typed ? getBytes(concat(["0x02", body])) : body;
}

describe("app: transaction decoding", () => {
  it("decodes a type-2 transaction: sender, hash = keccak(raw), fee fields", async () => {
    const raw = await signTx(alice, {
      to: addr(bob),
      value: 5n,
      nonce: 3,
      maxFeePerGas: 3n * GWEI,
      maxPriorityFeePerGas: GWEI,
    });
    const tx = decodeTransaction(raw, RULES);
    assert.equal(tx.from, addr(alice));
    assert.equal(tx.to, addr(bob));
    assert.equal(tx.hash, keccak256Hex(raw));
    assert.equal(tx.hash, Transaction.from(bytesToHex(raw)).hash);
    assert.equal(tx.nonce, 3n);
    assert.equal(tx.type, 2);
    assert.equal(tx.gasPrice, null);
    // min(maxFee 3, base 1 + tip 1) = 2 gwei
    assert.equal(effectiveGasPrice(tx, BASE_FEE), 2n * GWEI);
    assert.equal(upfrontCost(tx), 5n + 100_000n * 3n * GWEI);
  });

  it("decodes an EIP-155 legacy transaction; its price is the gasPrice", async () => {
    const raw = await signTx(alice, { type: 0, to: addr(bob), gasPrice: 7n * GWEI });
    const tx = decodeTransaction(raw, RULES);
    assert.equal(tx.type, 0);
    assert.equal(tx.chainId, CHAIN_ID);
    assert.equal(tx.from, addr(alice));
    assert.equal(effectiveGasPrice(tx, BASE_FEE), 7n * GWEI);
    assert.equal(tx.maxFeePerGas, 7n * GWEI);
  });

  it("rejects another chain id, for both types", async () => {
    rejects(await signTx(alice, { to: addr(bob), chainId: 1n }), "tx-wrong-chain", /invalid chain id/);
    rejects(await signTx(alice, { type: 0, to: addr(bob), chainId: 31337n }), "tx-wrong-chain");
  });

  it("rejects an unprotected (pre-EIP-155) legacy transaction", () => {
    const tx = Transaction.from({
      type: 0,
      to: addr(bob),
      nonce: 0,
      gasLimit: 21_000n,
      gasPrice: GWEI,
      value: 1n,
    });
    tx.signature = alice.signingKey.sign(tx.unsignedHash);
    const raw = hexToBytes(tx.serialized);
    assert.equal(Transaction.from(tx.serialized).chainId, 0n);
    rejects(raw, "tx-unprotected", /replay-protected/);
  });

  it("rejects type 1 (access list), 3 (blob) and 4 (set code) transactions", async () => {
    rejects(await signTx(alice, { type: 1, to: addr(bob), gasPrice: GWEI }), "tx-type-not-supported");
    rejects(Uint8Array.of(0x03, 0xc0), "tx-type-not-supported");
    rejects(Uint8Array.of(0x04, 0xc0), "tx-type-not-supported");
  });

  it("rejects the high-s twin of a valid signature, which recovers the same sender", async () => {
    for (const type of [0, 2]) {
      const raw = await signTx(alice, { type, to: addr(bob), value: 1n });
      const twin = malleate(raw);
      assert.notEqual(bytesToHex(twin), bytesToHex(raw));
      rejects(twin, "tx-bad-signature", /high s/);
    }
  });

  it("rejects a signature that recovers no key", async () => {
    const raw = await signTx(alice, { to: addr(bob) });
    const fields = decodeRlp(raw.subarray(1)) as string[];
    fields[10] = `0x${"ff".repeat(32)}`; // r above the field order
    rejects(getBytes(concat(["0x02", encodeRlp(fields)])), "tx-bad-signature");
  });

  it("rejects non-canonical encodings of a valid transaction (one transaction, one hash)", async () => {
    const raw = await signTx(alice, { type: 0, to: addr(bob), gasLimit: 30_000n });
    const fields = decodeRlp(raw) as string[];
    fields[2] = `0x00${(fields[2] as string).slice(2)}`; // gas limit with a leading zero byte
    rejects(getBytes(encodeRlp(fields as RlpStructuredData)), "tx-malformed", /non-canonical/);
  });

  it("rejects garbage, truncation, trailing bytes and empty input", async () => {
    const raw = await signTx(alice, { to: addr(bob) });
    rejects(new Uint8Array(0), "tx-malformed");
    rejects(Uint8Array.of(0x02, 0x01, 0x02), "tx-malformed");
    rejects(raw.subarray(0, raw.length - 3), "tx-malformed");
    rejects(Uint8Array.from([...raw, 0]), "tx-malformed");
    rejects(Uint8Array.of(0xc0), "tx-malformed");
  });

  it("rejects transactions over 128 KiB before decoding them", async () => {
    const raw = await signTx(alice, {
      to: addr(bob),
      data: `0x${"ab".repeat(MAX_TX_BYTES)}`,
      gasLimit: 100_000n,
    });
    assert.ok(raw.length > MAX_TX_BYTES);
    rejects(raw, "tx-too-large", /oversized/);
  });

  it("accepts contract creation up to EIP-3860's initcode limit", async () => {
    const tx = decodeTransaction(await signTx(alice, { to: null, data: "0x6000" }), RULES);
    assert.equal(tx.to, null);
    const tooLarge = `0x${"00".repeat(MAX_INITCODE_SIZE + 1)}`;
    rejects(
      await signTx(alice, { to: null, data: tooLarge, gasLimit: 10_000_000n }),
      "tx-initcode-too-large",
    );
  });

  it("requires the intrinsic gas: 21,000, calldata (EIP-2028), and at least EIP-7623's floor", async () => {
    rejects(
      await signTx(alice, { to: addr(bob), gasLimit: 20_999n }),
      "tx-intrinsic-gas",
      /intrinsic gas too low/,
    );
    decodeTransaction(await signTx(alice, { to: addr(bob), gasLimit: 21_000n }), RULES);
    // 100 non-zero bytes: 21,000 + 1,600 intrinsic, but the floor is 21,000 + 10 * 400 tokens.
    const data = `0x${"ab".repeat(100)}`;
    rejects(await signTx(alice, { to: addr(bob), data, gasLimit: 24_999n }), "tx-intrinsic-gas");
    decodeTransaction(await signTx(alice, { to: addr(bob), data, gasLimit: 25_000n }), RULES);
    // A creation adds 32,000 and 2 per initcode word (EIP-3860).
    rejects(await signTx(alice, { to: null, data: "0x00", gasLimit: 53_005n }), "tx-intrinsic-gas");
    decodeTransaction(await signTx(alice, { to: null, data: "0x00", gasLimit: 53_006n }), RULES);
  });

  it("rejects prices below the base fee and a tip above the fee cap", async () => {
    rejects(
      await signTx(alice, { type: 0, to: addr(bob), gasPrice: BASE_FEE - 1n }),
      "tx-underpriced",
      /underpriced/,
    );
    rejects(
      await signTx(alice, { to: addr(bob), maxFeePerGas: BASE_FEE - 1n, maxPriorityFeePerGas: 0n }),
      "tx-underpriced",
    );
    // ethers refuses to sign such a transaction, so it is assembled by hand.
    const uint = (v: bigint) => (v === 0n ? "0x" : bytesToHex(toBeArray(v)));
    const fields = [
      uint(CHAIN_ID),
      "0x",
      uint(3n * GWEI),
      uint(2n * GWEI),
      uint(100_000n),
      addr(bob),
      "0x",
      "0x",
      [],
    ];
    const unsigned = concat(["0x02", encodeRlp(fields)]);
    const sig = alice.signingKey.sign(keccak256(unsigned));
    const signed = [...fields, uint(BigInt(sig.yParity)), sig.r, sig.s];
    rejects(getBytes(concat(["0x02", encodeRlp(signed)])), "tx-tip-above-fee-cap", /max priority fee/);
  });

  it("an ethers Wallet's own transactions round-trip through the decoder for many random keys", async () => {
    for (let i = 0; i < 10; i++) {
      const wallet = Wallet.createRandom();
      const raw = await signTx(wallet as unknown as Wallet, { to: addr(bob), nonce: i, value: BigInt(i) });
      assert.equal(decodeTransaction(raw, RULES).from, wallet.address.toLowerCase());
    }
  });
});
