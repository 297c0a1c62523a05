import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeRlpStrict, encodeRlpItem, RlpError } from "../../node/crypto/index.ts";
import { expectTyped, runTarget, splitRuns, syncTarget } from "../fuzz/harness.ts";
import { applyMutation } from "../fuzz/mutate.ts";

describe("the fuzz harness", () => {
  it("fails a target whose decoder throws anything but its declared errors, with the input", async () => {
    const target = syncTarget("crashes on 0xff", 1, fc.uint8Array({ maxLength: 8 }), (bytes) =>
      expectTyped(
        () => {
          if (bytes.includes(0xff)) throw new TypeError("boom");
          throw new RlpError("bad");
        },
        [RlpError],
        "decoder",
      ),
    );
    const result = await runTarget(target, 2000, 1);
    assert.equal(result.failures, 1);
    assert.match(result.error ?? "", /threw TypeError \(boom\), not one of RlpError/);
    // Shrunk to the one byte that crashes it.
    assert.equal(result.counterexample, "Uint8Array.from([255])");
  });

  it("passes a decoder that only returns or throws its declared errors", async () => {
    const target = syncTarget("typed", 1, fc.uint8Array({ maxLength: 8 }), (bytes) =>
      expectTyped(() => decodeRlpStrict(bytes), [RlpError], "decodeRlpStrict"),
    );
    assert.deepEqual(await runTarget(target, 500, 1).then((r) => [r.failures, r.inputs]), [0, 500]);
  });

  it("splits a budget by weight", () => {
    const a = syncTarget("a", 3, fc.constant(0), () => {});
    const b = syncTarget("b", 1, fc.constant(0), () => {});
    assert.deepEqual([...splitRuns([a, b], 1000).values()], [750, 250]);
    const c = syncTarget("c", 1, fc.constant(0), () => {});
    assert.deepEqual([...splitRuns([a, b, c], 1001).values()], [601, 200, 200]);
  });

  it("mutates RLP structurally: a swap of two fields re-encodes canonically", () => {
    const valid = encodeRlpItem([Uint8Array.of(1, 2), Uint8Array.of(3, 4)]);
    const swapped = applyMutation(valid, { kind: "rlp", edit: { op: "swap", path: 0, a: 0, b: 1 } });
    assert.deepEqual(decodeRlpStrict(swapped), [Uint8Array.of(3, 4), Uint8Array.of(1, 2)]);
    assert.deepEqual(applyMutation(valid, { kind: "truncate", at: 2 }), valid.subarray(0, 2));
    assert.equal(applyMutation(valid, { kind: "flip", at: 1, bit: 0 })[1], (valid[1] ?? 0) ^ 1);
  });
});
