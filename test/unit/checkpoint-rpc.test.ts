import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address } from "../../node/crypto/index.ts";
import { signCheckpoint } from "../../node/types/index.ts";
import type { Checkpoint } from "../../node/types/shapes.ts";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { obj, rpc, single, startRpc } from "../helpers/rpcServer.ts";

const DOMAIN = { l1ChainId: 31337n, checkpointManager: `0x${"00".repeat(19)}01` as Address };
const TOKEN: Address = `0x${"00".repeat(19)}aa`;
const RECIPIENT: Address = `0x${"00".repeat(19)}bb`;

function checkpoint(number: number): Checkpoint {
  return {
    sidechainId: 7447n,
    number,
    startHeight: (number - 1) * 5 + 1,
    endHeight: number * 5,
    blocksRoot: `0x${"11".repeat(32)}`,
    withdrawalsRoot: `0x${"00".repeat(32)}`,
    nextValidatorSetHash: `0x${"22".repeat(32)}`,
  };
}

describe("outrigger checkpoint methods", () => {
  it("cuts a checkpoint range at the largest safe number instead of asking the backend past it", async (t) => {
    const backend = new FakeRpcBackend({ alloc: {} });
    const asked: [number, number][] = [];
    backend.getCheckpoints = async (from, count) => {
      asked.push([from, count]);
      // The store refuses a range whose end it cannot encode, as the real one does.
      if (!Number.isSafeInteger(from + count - 1))
        throw new Error(`range end ${from + count - 1} is not safe`);
      return [];
    };
    const { server, logger } = await startRpc(t, backend);
    const max = Number.MAX_SAFE_INTEGER;
    for (const [from, count] of [
      [max, 100],
      [max - 10, 100],
      [`0x${max.toString(16)}`, 1],
    ] as const) {
      const answer = single(await rpc(server.url, "outrigger_checkpoints", [from, count]));
      assert.deepEqual(answer.result, [], `from ${from}: ${JSON.stringify(answer.error)}`);
    }
    assert.deepEqual(asked, [
      [max, 1],
      [max - 10, 11],
      [max, 1],
    ]);
    assert.deepEqual(logger.errors(), []);
  });

  it("serves checkpoints with signers and L1 status, ranges, and withdrawal proofs or their errors", async (t) => {
    const backend = new FakeRpcBackend({ alloc: {} });
    const [v] = backend.validators;
    assert.ok(v);
    for (const n of [1, 2]) {
      const c = checkpoint(n);
      backend.checkpoints.set(n, {
        certified: {
          checkpoint: c,
          signatures: [{ validator: v.address, signature: signCheckpoint(c, DOMAIN, v.key) }],
        },
        l1:
          n === 1
            ? { status: "confirmed", txHash: `0x${"33".repeat(32)}` }
            : { status: "pending", txHash: null },
      });
    }
    backend.withdrawalProofs.set(4n, {
      kind: "ok",
      checkpointNumber: 2,
      withdrawal: { id: 4n, l1Token: TOKEN, l1Recipient: RECIPIENT, amount: 10n ** 20n },
      proof: [`0x${"44".repeat(32)}`],
      root: `0x${"55".repeat(32)}`,
    });
    backend.withdrawalProofs.set(5n, { kind: "not-checkpointed", height: 12, checkpointNumber: 3 });
    const { server } = await startRpc(t, backend);
    const call = async (method: string, params: unknown[]) => single(await rpc(server.url, method, params));

    const latest = obj((await call("outrigger_checkpoint", ["latest"])).result);
    assert.equal(latest.number, 2);
    assert.deepEqual(latest.signers, [v.address]);
    assert.deepEqual(latest.l1, { status: "pending", txHash: null });
    const first = obj((await call("outrigger_checkpoint", [1])).result);
    assert.equal(first.sidechainId, "7447");
    assert.equal(first.startHeight, 1);
    assert.deepEqual(first.l1, { status: "confirmed", txHash: `0x${"33".repeat(32)}` });
    assert.equal((await call("outrigger_checkpoint", ["0x2"])).result !== null, true);
    assert.equal((await call("outrigger_checkpoint", [9])).result, null);
    const range = (await call("outrigger_checkpoints", [1, 5])).result as { number: number }[];
    assert.deepEqual(
      range.map((c) => c.number),
      [1, 2],
    );
    assert.equal((await call("outrigger_checkpoints", [1, 101])).error?.code, -32602, "count is capped");
    assert.equal((await call("outrigger_checkpoints", ["latest", 1])).error?.code, -32602);

    const proof = obj((await call("outrigger_withdrawalProof", ["4"])).result);
    assert.deepEqual(proof, {
      checkpointNumber: 2,
      withdrawal: { id: "4", token: TOKEN, recipient: RECIPIENT, amount: (10n ** 20n).toString() },
      proof: [`0x${"44".repeat(32)}`],
      root: `0x${"55".repeat(32)}`,
    });
    assert.equal(obj((await call("outrigger_withdrawalProof", ["0x4"])).result).checkpointNumber, 2);
    const pending = await call("outrigger_withdrawalProof", [5]);
    assert.equal(pending.error?.code, -32000);
    assert.match(pending.error?.message ?? "", /not yet checkpointed/);
    const missing = await call("outrigger_withdrawalProof", [6]);
    assert.equal(missing.error?.code, -32000);
    assert.match(missing.error?.message ?? "", /not found/);
    assert.equal((await call("outrigger_withdrawalProof", [-1])).error?.code, -32602);
    assert.equal((await call("outrigger_withdrawalProof", [])).error?.code, -32602);
  });
});
