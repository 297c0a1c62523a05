import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallOutcome } from "../../node/rpc/backend.ts";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { rpc, single, startRpc } from "../helpers/rpcServer.ts";

const REVERT_DATA = "0xdeadbeef";

describe("a failed eth_call or eth_estimateGas", () => {
  it('says "execution reverted" once, whether or not the reason already starts with it', async (t) => {
    const backend = new FakeRpcBackend({ alloc: {} });
    let outcome: CallOutcome = { ok: false, kind: "revert", reason: "", revertData: REVERT_DATA };
    backend.call = async () => outcome;
    backend.estimateGas = async () => outcome;
    const { server } = await startRpc(t, backend);
    for (const [reason, message] of [
      ["", "execution reverted"],
      ["execution reverted", "execution reverted"],
      ["execution reverted: no", "execution reverted: no"],
      ["out of gas", "execution reverted: out of gas"],
      [
        "bridge: L1 recipient is the zero address",
        "execution reverted: bridge: L1 recipient is the zero address",
      ],
    ] as const) {
      outcome = { ok: false, kind: "revert", reason, revertData: REVERT_DATA };
      for (const method of ["eth_call", "eth_estimateGas"]) {
        const answer = single(await rpc(server.url, method, [{}]));
        assert.equal(answer.error?.code, 3, method);
        assert.equal(answer.error?.message, message, `${method} with reason ${JSON.stringify(reason)}`);
        assert.equal(answer.error?.data, REVERT_DATA);
      }
    }
  });
});
