import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256Hex } from "../../node/crypto/index.ts";
import type { MempoolErrorCode } from "../../node/mempool/errors.ts";
import type { TxRejection } from "../../node/rpc/backend.ts";
import { addToBloom } from "../../node/rpc/bloom.ts";
import { data, quantity } from "../../node/rpc/format.ts";
import { logMatcher, matchesLog } from "../../node/rpc/logs.ts";
import { rejectionError } from "../../node/rpc/methods/eth.ts";
import { blockRefSchema, callObjectSchema, logFilterSchema, quantitySchema } from "../../node/rpc/schemas.ts";

/** The small pieces whose exact output wallets depend on. */

describe("rpc formatting", () => {
  it("writes quantities without leading zeros and data as even-length hex", () => {
    assert.equal(quantity(0), "0x0");
    assert.equal(quantity(0n), "0x0");
    assert.equal(quantity(255), "0xff");
    assert.equal(quantity(1n << 255n), `0x8${"0".repeat(63)}`);
    assert.throws(() => quantity(-1n), RangeError);
    assert.equal(data(new Uint8Array()), "0x");
    assert.equal(data(Uint8Array.of(0, 10)), "0x000a");
  });

  it("builds geth's log bloom (go-ethereum TestBloomExtensively vector)", () => {
    const bloom = new Uint8Array(256);
    for (let i = 0; i < 100; i++)
      addToBloom(bloom, new TextEncoder().encode(`xxxxxxxxxx data ${i} yyyyyyyyyyyyyy`));
    assert.equal(keccak256Hex(bloom), "0xc8d3ca65cdb4874300a9e39475508f23ed6da09fdbc487f89a2dcf50b09eb263");
  });
});

describe("rpc params", () => {
  it("reads block references: tags, numbers, hashes and EIP-1898 objects", () => {
    const hash = `0x${"Ab".repeat(32)}`;
    const parse = (v: unknown) => blockRefSchema.parse(v);
    assert.deepEqual(parse("latest"), { kind: "tag", tag: "latest" });
    assert.deepEqual(parse("finalized"), { kind: "tag", tag: "finalized" });
    assert.deepEqual(parse("0x1a"), { kind: "number", height: 26 });
    assert.deepEqual(parse("0x001a"), { kind: "number", height: 26 });
    assert.deepEqual(parse(hash), { kind: "hash", hash: hash.toLowerCase(), requireCanonical: false });
    assert.deepEqual(parse({ blockHash: hash, requireCanonical: true }), {
      kind: "hash",
      hash: hash.toLowerCase(),
      requireCanonical: true,
    });
    assert.deepEqual(parse({ blockNumber: "0x2" }), { kind: "number", height: 2 });
    for (const bad of [
      "0x",
      "12",
      "Latest",
      12,
      null,
      {},
      { blockNumber: "0x1", blockHash: hash },
      `0x${"f".repeat(16)}`,
    ]) {
      assert.equal(blockRefSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it("caps quantities at 256 bits", () => {
    assert.equal(quantitySchema.parse(`0x${"f".repeat(64)}`), (1n << 256n) - 1n);
    assert.equal(quantitySchema.safeParse(`0x1${"0".repeat(64)}`).success, false);
    assert.equal(quantitySchema.safeParse(`0x${"0".repeat(200)}1`).success, false);
  });

  it("reads call objects with data or input and lowercases addresses", () => {
    const to = `0x${"AB".repeat(20)}`;
    assert.deepEqual(callObjectSchema.parse({ to, input: "0xAB", value: "0x10", extra: "ignored" }), {
      from: null,
      to: to.toLowerCase(),
      value: 16n,
      data: "0xab",
      gas: null,
      gasPrice: null,
      maxFeePerGas: null,
      maxPriorityFeePerGas: null,
    });
    assert.equal(callObjectSchema.parse({ to, data: "0x01", input: "0x01" }).data, "0x01");
    assert.equal(callObjectSchema.safeParse({ to, gasPrice: "0x1", maxFeePerGas: "0x1" }).success, false);
  });

  it("matches logs by address and topic positions as geth does", () => {
    const [t0, t1, t2] = ["0x01", "0x02", "0x03"].map((b) => `0x${b.slice(2).padStart(64, "0")}` as const);
    const address = `0x${"11".repeat(20)}` as const;
    const log = { address, topics: [t0, t1] as `0x${string}`[], data: "0x" as const };
    const matches = (filter: unknown) => {
      const f = logFilterSchema.parse(filter);
      return matchesLog(logMatcher(f.addresses, f.topics), log);
    };
    assert.equal(matches({}), true);
    assert.equal(matches({ address }), true);
    assert.equal(
      matches({ address: [`0x${"22".repeat(20)}`, address.toUpperCase().replace("0X", "0x")] }),
      true,
    );
    assert.equal(matches({ address: `0x${"22".repeat(20)}` }), false);
    assert.equal(matches({ topics: [t0] }), true);
    assert.equal(matches({ topics: [null, t1] }), true);
    assert.equal(matches({ topics: [[t2, t0], [t1]] }), true);
    assert.equal(matches({ topics: [t1] }), false);
    assert.equal(matches({ topics: [[], t1] }), true);
    // More positions than the log has never match, even as wildcards.
    assert.equal(matches({ topics: [t0, t1, null] }), false);
  });
});

describe("rpc transaction refusals", () => {
  it("use the wording ethers classifies", () => {
    // These are ethers v6's own tests on eth_sendRawTransaction errors (provider-jsonrpc.js getRpcError).
    const cases: [TxRejection, RegExp[]][] = [
      ["nonce-too-low", [/nonce/i, /too low/i]],
      ["insufficient-funds", [/insufficient funds/i]],
      ["replacement-underpriced", [/replacement transaction/i, /underpriced/i]],
    ];
    for (const [reason, patterns] of cases) {
      const err = rejectionError(reason, "some detail");
      assert.equal(err.code, -32000);
      for (const p of patterns) assert.match(err.message, p);
      assert.match(err.message, /some detail$/);
    }
    assert.equal(rejectionError("already-known", "").message, "already known");
    assert.equal(rejectionError("nonce-too-low", "nonce too low: 3 < 4").message, "nonce too low: 3 < 4");
    assert.equal(rejectionError("invalid", "bad signature").code, -32003);
    assert.equal(rejectionError("too-large", "").code, -32003);
    // A node shedding load answers as a provider over its limit: the transaction is fine, a retry may succeed.
    const busy = rejectionError("busy", "txpool is busy: 2048 transactions are waiting for their check");
    assert.equal(busy.code, -32005);
    assert.match(busy.message, /^txpool is busy: 2048/);
  });

  it("cover exactly the mempool's refusal codes, so node.ts passes them through", () => {
    // Checked by tsc: this fails to compile when either list gains a code the other lacks.
    type Same = [MempoolErrorCode] extends [TxRejection]
      ? [TxRejection] extends [MempoolErrorCode]
        ? true
        : false
      : false;
    const same: Same = true;
    assert.equal(same, true);
  });
});
