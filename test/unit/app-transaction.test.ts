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
  recoverAuthority,
  upfrontCost,
} from "../../node/app/index.ts";
import { bytesToHex, hexToBytes, keccak256Hex } from "../../node/crypto/index.ts";
import { MAX_TX_BYTES } from "../../node/types/index.ts";
import { addr, alice, BASE_FEE, bob, CHAIN_ID, GWEI, signTx } from "../helpers/appFixture.ts";
import { CURVE_N, highSTwin } from "../helpers/highS.ts";

const RULES = { chainId: CHAIN_ID, baseFee: BASE_FEE };

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

  it("accepts an unprotected (pre-EIP-155) legacy transaction: chain id 0, valid on any chain", async () => {
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
    const decoded = decodeTransaction(raw, RULES);
    assert.equal(decoded.type, 0);
    assert.equal(decoded.chainId, 0n);
    assert.equal(decoded.from, addr(alice));
    assert.equal(decoded.hash, tx.hash);
    // What a Wallet signs without a chain id is the same form.
    const signed = await signTx(alice, { type: 0, chainId: undefined, to: addr(bob) });
    assert.equal(decodeTransaction(signed, RULES).chainId, 0n);
    assert.equal(decodeTransaction(signed, RULES).from, addr(alice));
    // The signature covers the six fields alone: another sender recovers from the EIP-155 payload.
    assert.equal(decodeTransaction(signed, { ...RULES, chainId: 1n }).from, addr(alice));
  });

  it("decodes an EIP-2930 (type 1) transaction: gasPrice, access list, intrinsic gas per entry", async () => {
    const slot = `0x${"00".repeat(31)}07`;
    const accessList = [{ address: addr(bob), storageKeys: [slot] }];
    const raw = await signTx(alice, { type: 1, to: addr(bob), gasPrice: 3n * GWEI, accessList, value: 9n });
    const tx = decodeTransaction(raw, RULES);
    assert.equal(tx.type, 1);
    assert.equal(tx.hash, Transaction.from(bytesToHex(raw)).hash);
    assert.equal(tx.from, addr(alice));
    assert.equal(tx.gasPrice, 3n * GWEI);
    assert.equal(tx.maxFeePerGas, 3n * GWEI);
    assert.equal(effectiveGasPrice(tx, BASE_FEE), 3n * GWEI);
    assert.deepEqual(tx.accessList, [{ address: addr(bob), storageKeys: [slot] }]);
    assert.deepEqual(tx.authorizationList, []);
    // 21,000 + 2,400 for the address + 1,900 for the key.
    rejects(
      await signTx(alice, { type: 1, to: addr(bob), accessList, gasLimit: 25_299n }),
      "tx-intrinsic-gas",
    );
    decodeTransaction(await signTx(alice, { type: 1, to: addr(bob), accessList, gasLimit: 25_300n }), RULES);
    rejects(await signTx(alice, { type: 1, to: addr(bob), chainId: 1n }), "tx-wrong-chain");
  });

  it("refuses a blob (type 3) transaction with a clear reason, and unknown types", () => {
    rejects(Uint8Array.of(0x03, 0xc0), "tx-type-not-supported", /blob transactions .* no blob space/);
    rejects(Uint8Array.of(0x05, 0xc0), "tx-type-not-supported", /type not supported: 0x5/);
  });

  it("decodes an EIP-7702 (type 4) transaction: each authority recovered, 25,000 gas per tuple", async () => {
    const delegate = `0x${"de".repeat(20)}`;
    const own = await alice.authorize({ address: delegate, nonce: 1n, chainId: CHAIN_ID });
    const other = await bob.authorize({ address: delegate, nonce: 0n, chainId: 0n });
    const raw = await signTx(alice, { type: 4, to: addr(bob), authorizationList: [own, other] });
    const tx = decodeTransaction(raw, RULES);
    assert.equal(tx.type, 4);
    assert.equal(tx.hash, Transaction.from(bytesToHex(raw)).hash);
    assert.equal(tx.from, addr(alice));
    assert.deepEqual(
      tx.authorizationList?.map((a) => [recoverAuthority(a), a.address, a.nonce, a.chainId]),
      [
        [addr(alice), delegate, 1n, CHAIN_ID],
        [addr(bob), delegate, 0n, 0n],
      ],
    );
    // 21,000 + 2 * 25,000
    const list = [own, other];
    rejects(
      await signTx(alice, { type: 4, to: addr(bob), authorizationList: list, gasLimit: 70_999n }),
      "tx-intrinsic-gas",
    );
    decodeTransaction(
      await signTx(alice, { type: 4, to: addr(bob), authorizationList: list, gasLimit: 71_000n }),
      RULES,
    );
  });

  it("type 4: a tuple with a bad signature is kept without an authority; y parity 2, no tuples or a creation is invalid", async () => {
    const own = await alice.authorize({ address: addr(bob), nonce: 0n, chainId: CHAIN_ID });
    const raw = await signTx(alice, { type: 4, to: addr(bob), authorizationList: [own] });
    const fields = decodeRlp(raw.subarray(1)) as RlpStructuredData[];
    const tuple = (fields[9] as string[][])[0] as string[];
    for (const [index, value, why] of [
      [5, bytesToHex(toBeArray(CURVE_N - BigInt(tuple[5] as string))), "high s"],
      [4, "0x", "r = 0"],
    ] as const) {
      const edited = tuple.slice();
      edited[index] = value;
      const body = fields.slice(0, 10);
      body[9] = [edited];
      const unsigned = concat(["0x04", encodeRlp(body)]);
      const sig = alice.signingKey.sign(keccak256(unsigned));
      const signed = concat(["0x04", encodeRlp([...body, sig.yParity === 0 ? "0x" : "0x01", sig.r, sig.s])]);
      const tx = decodeTransaction(getBytes(signed), RULES);
      assert.equal(tx.from, addr(alice), why);
      const [tuple0] = tx.authorizationList ?? [];
      assert.ok(tuple0 !== undefined);
      assert.equal(recoverAuthority(tuple0), null, why);
    }
    // A y parity above 1 can never recover: the transaction is refused (ethers could not read it back).
    const body = fields.slice(0, 10);
    body[9] = [[...tuple.slice(0, 3), "0x02", ...tuple.slice(4)]];
    const badParity = concat(["0x04", encodeRlp([...body, "0x", tuple[4] as string, tuple[5] as string])]);
    rejects(getBytes(badParity), "tx-malformed", /y parity/);
    rejects(
      await signTx(alice, { type: 4, to: addr(bob), authorizationList: [] }),
      "tx-invalid-set-code",
      /empty auth list/,
    );
    rejects(
      await signTx(alice, { type: 4, to: null, data: "0x00", authorizationList: [own] }),
      "tx-invalid-set-code",
      /cannot be used to create/,
    );
  });

  it("rejects the high-s twin of a valid signature, which recovers the same sender", async () => {
    for (const type of [0, 2]) {
      const raw = await signTx(alice, { type, to: addr(bob), value: 1n });
      const twin = highSTwin(raw);
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
