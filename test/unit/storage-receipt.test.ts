import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeRlpItem, type Hex, RlpError } from "../../node/crypto/index.ts";
import {
  decodeReceipt,
  decodeReceipts,
  encodeReceipt,
  encodeReceipts,
  MAX_LOG_DATA_BYTES,
  MAX_LOG_TOPICS,
  type Receipt,
  receiptToRlp,
} from "../../node/types/index.ts";

const hexOf = (length: number) =>
  fc
    .uint8Array({ minLength: length, maxLength: length })
    .map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);

const receiptArb: fc.Arbitrary<Receipt> = fc.record(
  {
    txHash: hexOf(32),
    status: fc.constantFrom(0 as const, 1 as const),
    gasUsed: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    cumulativeGasUsed: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    effectiveGasPrice: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    from: hexOf(20),
    to: fc.option(hexOf(20), { nil: null }),
    contractAddress: fc.option(hexOf(20), { nil: null }),
    logs: fc.array(
      fc.record(
        {
          address: hexOf(20),
          topics: fc.array(hexOf(32), { maxLength: MAX_LOG_TOPICS }),
          data: fc.uint8Array({ maxLength: 200 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex),
        },
        { noNullPrototype: true },
      ),
      { maxLength: 5 },
    ),
  },
  { noNullPrototype: true },
);

const sample: Receipt = {
  txHash: `0x${"ab".repeat(32)}`,
  status: 1,
  gasUsed: 52_000n,
  contractAddress: null,
  cumulativeGasUsed: 73_000n,
  effectiveGasPrice: 10n ** 9n,
  from: `0x${"11".repeat(20)}`,
  to: `0x${"22".repeat(20)}`,
  logs: [{ address: `0x${"22".repeat(20)}`, topics: [`0x${"cd".repeat(32)}`], data: "0x" }],
};

describe("types: receipt codec", () => {
  it("round-trips any receipt and any list of receipts", () => {
    fc.assert(
      fc.property(receiptArb, (r) => {
        assert.deepEqual(decodeReceipt(encodeReceipt(r)), r);
      }),
    );
    fc.assert(
      fc.property(fc.array(receiptArb, { maxLength: 4 }), (rs) => {
        assert.deepEqual(decodeReceipts(encodeReceipts(rs)), rs);
      }),
      { numRuns: 50 },
    );
  });

  it("refuses values that would not read back", () => {
    const bad: [string, Receipt][] = [
      ["status", { ...sample, status: 2 as 1 }],
      ["gasUsed", { ...sample, gasUsed: 2n ** 64n }],
      ["gasUsed", { ...sample, gasUsed: -1n }],
      ["to", { ...sample, to: `0x${"AB".repeat(20)}` }],
      [
        "topics",
        {
          ...sample,
          logs: [{ ...sample.logs[0], topics: Array(5).fill(`0x${"cd".repeat(32)}`) } as Receipt["logs"][0]],
        },
      ],
      ["data", { ...sample, logs: [{ address: sample.from, topics: [], data: "0xabc" }] }],
      ["data", { ...sample, logs: [{ address: sample.from, topics: [], data: "0xAB" }] }],
      [
        "data",
        {
          ...sample,
          logs: [{ address: sample.from, topics: [], data: `0x${"00".repeat(MAX_LOG_DATA_BYTES + 1)}` }],
        },
      ],
    ];
    for (const [field, r] of bad) assert.throws(() => encodeReceipt(r), new RegExp(field), field);
  });

  it("rejects non-canonical and malformed encodings", () => {
    const good = encodeReceipt(sample);
    assert.throws(() => decodeReceipt(Uint8Array.of(...good, 0)), RlpError);
    const item = receiptToRlp(sample) as Uint8Array[];
    const withStatus = (status: Uint8Array) => encodeRlpItem([...item.slice(0, 1), status, ...item.slice(2)]);
    assert.throws(() => decodeReceipt(withStatus(Uint8Array.of(2))), /status must be 0 or 1/);
    assert.throws(() => decodeReceipt(withStatus(Uint8Array.of(0))), /leading zeros/);
    const shortTo = encodeRlpItem([...item.slice(0, 6), Uint8Array.of(1, 2), ...item.slice(7)]);
    assert.throws(() => decodeReceipt(shortTo), /to: expected 20 bytes/);
    assert.throws(() => decodeReceipt(encodeRlpItem(item.slice(0, 7))), /expected 9 fields/);
    assert.throws(() => decodeReceipts(Uint8Array.of(0xc1, 0xc0)), /receipts\[0\]: expected 9 fields/);
    // A receipt stored before contracts existed has 8 fields and no contract address.
    assert.deepEqual(decodeReceipt(encodeRlpItem(item.slice(0, 8))), { ...sample, contractAddress: null });
  });
});
