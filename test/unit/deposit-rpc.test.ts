import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { BridgeInfo } from "../../node/rpc/backend.ts";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { obj, rpc, single, startRpc } from "../helpers/rpcServer.ts";

const TOKEN: Address = "0x00000000000000000000000000000000000a0a0a";
const FROM: Address = "0x00000000000000000000000000000000000d0d0d";
const TO: Address = "0x00000000000000000000000000000000000e0e0e";
const TX_HASH: Hex = `0x${"ab".repeat(32)}`;
const UINT256_MAX = (1n << 256n) - 1n;

/** A claim as the relayer sends it: the Deposited event's fields, amount as a decimal string. */
function claimJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nonce: "5",
    token: TOKEN,
    from: FROM,
    to: TO,
    amount: "1000000",
    name: "USD Coin",
    symbol: "USDC",
    decimals: 6,
    l1TxHash: TX_HASH,
    ...overrides,
  };
}

async function serve(t: TestContext) {
  const backend = new FakeRpcBackend({ alloc: {} });
  const { server } = await startRpc(t, backend);
  const call = async (method: string, params: unknown[]) => single(await rpc(server.url, method, params));
  return { backend, call };
}

describe("outrigger_submitDepositClaim", () => {
  it("refuses malformed claims with -32602 before they reach the node", async (t) => {
    const { backend, call } = await serve(t);
    const { l1TxHash: _omitted, ...missing } = claimJson();
    const bad: Record<string, unknown[]> = {
      "no params": [],
      "two params": [claimJson(), claimJson()],
      "not an object": ["claim"],
      "an array": [[claimJson()]],
      "a missing field": [missing],
      "an extra field": [claimJson({ l2Token: TOKEN })],
      "the relayer's field name l1Token": [
        { ...missing, l1TxHash: TX_HASH, l1Token: TOKEN, token: undefined },
      ],
      "an address with a 0X prefix": [claimJson({ token: `0X${TOKEN.slice(2)}` })],
      "an address with a non-hex digit": [claimJson({ to: `0x${"g".repeat(40)}` })],
      "a short address": [claimJson({ from: FROM.slice(0, 41) })],
      "a hex amount": [claimJson({ amount: "0x3e8" })],
      "an amount as a JSON number": [claimJson({ amount: 1000 })],
      "a negative amount": [claimJson({ amount: "-1" })],
      "an amount with a leading zero": [claimJson({ amount: "01000" })],
      "an amount in exponent form": [claimJson({ amount: "1e6" })],
      "an amount over uint256": [claimJson({ amount: (UINT256_MAX + 1n).toString() })],
      "decimals 256": [claimJson({ decimals: 256 })],
      "negative decimals": [claimJson({ decimals: -1 })],
      "fractional decimals": [claimJson({ decimals: 1.5 })],
      "decimals as a string": [claimJson({ decimals: "6" })],
      "a name over 64 bytes": [claimJson({ name: "a".repeat(65) })],
      "a name of 33 two-byte characters": [claimJson({ name: "é".repeat(33) })],
      "a symbol over 32 bytes": [claimJson({ symbol: "S".repeat(33) })],
      "a name that is not well-formed text": [claimJson({ name: "bad \ud800 text" })],
      "a name that is not a string": [claimJson({ name: 7 })],
      "a hash one digit short": [claimJson({ l1TxHash: TX_HASH.slice(0, 65) })],
      "a hash one byte long": [claimJson({ l1TxHash: `${TX_HASH}00` })],
      "a negative nonce": [claimJson({ nonce: -1 })],
      "a fractional nonce": [claimJson({ nonce: 1.5 })],
      "a nonce over uint256": [claimJson({ nonce: (UINT256_MAX + 1n).toString() })],
    };
    for (const [what, params] of Object.entries(bad)) {
      const reply = await call("outrigger_submitDepositClaim", params);
      assert.equal(reply.error?.code, -32602, what);
      assert.equal(reply.result, undefined, what);
    }
    assert.deepEqual(backend.submittedClaims, [], "no malformed claim reached the backend");
    assert.equal(backend.calls.includes("submitDepositClaim"), false);

    const messages = async (params: unknown[]) =>
      (await call("outrigger_submitDepositClaim", params)).error?.message ?? "";
    assert.match(await messages([claimJson({ amount: "0x3e8" })]), /amount: expected a decimal string/);
    assert.match(await messages([claimJson({ amount: (UINT256_MAX + 1n).toString() })]), /uint256/);
    assert.match(await messages([claimJson({ name: "a".repeat(65) })]), /name: longer than 64 bytes/);
    assert.match(await messages([claimJson({ decimals: 256 })]), /decimals: .*255/);
    assert.match(
      await messages([claimJson({ extra: 1 })]),
      /expected a deposit claim \{nonce, token, from, to, amount, name, symbol, decimals, l1TxHash\}/,
    );
    assert.match(await messages([missing]), /l1TxHash: expected a 32-byte hash/);
  });

  it("passes a well-formed claim to the node, normalized, and answers {nonce, status}", async (t) => {
    const { backend, call } = await serve(t);
    const mixedCase = `0x${"Ab".repeat(20)}`;
    const reply = await call("outrigger_submitDepositClaim", [
      claimJson({
        token: mixedCase,
        l1TxHash: TX_HASH.toUpperCase().replace("0X", "0x"),
        amount: UINT256_MAX.toString(),
        name: "n".repeat(64),
        symbol: "é".repeat(16),
        decimals: 255,
      }),
    ]);
    assert.deepEqual(reply.result, { nonce: "5", status: "pending" });
    assert.deepEqual(backend.submittedClaims, [
      {
        nonce: 5n,
        l1Token: mixedCase.toLowerCase(),
        from: FROM,
        to: TO,
        amount: UINT256_MAX,
        name: "n".repeat(64),
        symbol: "é".repeat(16),
        decimals: 255,
        l1TxHash: TX_HASH,
      },
    ]);
    // The nonce may be a JSON integer, a decimal string or a hex quantity; 0 and empty metadata are fine.
    for (const [nonce, expected] of [
      [0, 0n],
      ["12", 12n],
      ["0x1f", 31n],
    ] as const) {
      const r = await call("outrigger_submitDepositClaim", [
        claimJson({ nonce, amount: "0", name: "", symbol: "", decimals: 0 }),
      ]);
      assert.deepEqual(r.result, { nonce: expected.toString(), status: "pending" });
      assert.equal(backend.submittedClaims.at(-1)?.nonce, expected);
    }
    backend.submitAnswer = { ok: true, status: "minted" };
    assert.deepEqual((await call("outrigger_submitDepositClaim", [claimJson()])).result, {
      nonce: "5",
      status: "minted",
    });
  });

  it("reports a claim the node did not take as -32000 with the node's message", async (t) => {
    const { backend, call } = await serve(t);
    backend.submitAnswer = { ok: false, message: "deposit claim 5 does not match L1" };
    const reply = await call("outrigger_submitDepositClaim", [claimJson()]);
    assert.equal(reply.error?.code, -32000);
    assert.equal(reply.error?.message, "deposit claim 5 does not match L1");
    assert.equal(reply.result, undefined);
    assert.equal(backend.submittedClaims.length, 1);
  });
});

describe("outrigger_deposit and outrigger_bridgeInfo", () => {
  it("outrigger_deposit answers null for an unknown nonce and the deposit with decimal amounts for a known one", async (t) => {
    const { backend, call } = await serve(t);
    const l2Token: Address = "0x00000000000000000000000000000000000c0c0c";
    const big = 10n ** 30n + 7n;
    backend.deposits.set(7n, {
      status: "minted",
      nonce: 7n,
      l1Token: TOKEN,
      l2Token,
      from: FROM,
      to: TO,
      amount: big,
      l1TxHash: TX_HASH,
      height: 12,
    });
    backend.deposits.set(8n, {
      status: "pending",
      nonce: 8n,
      l1Token: TOKEN,
      l2Token,
      from: FROM,
      to: TO,
      amount: 1n,
      l1TxHash: TX_HASH,
      height: null,
    });
    const minted = {
      nonce: "7",
      status: "minted",
      l1Token: TOKEN,
      l2Token,
      from: FROM,
      to: TO,
      amount: big.toString(),
      l1TxHash: TX_HASH,
      height: 12,
    };
    for (const nonce of [7, "7", "0x7"]) {
      assert.deepEqual((await call("outrigger_deposit", [nonce])).result, minted, `nonce ${nonce}`);
    }
    const pending = obj((await call("outrigger_deposit", ["8"])).result);
    assert.equal(pending.status, "pending");
    assert.equal(pending.height, null);
    assert.equal(pending.amount, "1");
    const unknown = await call("outrigger_deposit", [9]);
    assert.equal(unknown.result, null);
    assert.equal(unknown.error, undefined);
    for (const bad of [[], [-1], ["abc"], [1.5], [{}]]) {
      assert.equal((await call("outrigger_deposit", bad)).error?.code, -32602, JSON.stringify(bad));
    }
  });

  it("outrigger_bridgeInfo is an error on a chain without L1, and uses decimal strings for amounts", async (t) => {
    const { backend, call } = await serve(t);
    const none = await call("outrigger_bridgeInfo", []);
    assert.equal(none.error?.code, -32000);
    assert.match(none.error?.message ?? "", /no L1 bridge/);

    const supply = 2n ** 200n + 1n;
    const info: BridgeInfo = {
      l1ChainId: 11_155_111n,
      checkpointManager: "0x00000000000000000000000000000000000b0002",
      bridge: "0x00000000000000000000000000000000000b0001",
      deploymentBlock: 4_000_000,
      confirmations: 0,
      systemContracts: {
        bridge: "0x0000000000000000000000000000000000001001",
        staking: "0x0000000000000000000000000000000000001000",
      },
      nextDepositNonce: 2n ** 64n,
      nextWithdrawalId: 3n,
      tokens: [
        {
          l1Token: TOKEN,
          l2Token: "0x00000000000000000000000000000000000c0c0c",
          name: "USD Coin",
          symbol: "USDC",
          decimals: 6,
          totalSupply: supply,
        },
      ],
    };
    backend.bridgeInfo_ = info;
    const reply = await call("outrigger_bridgeInfo", []);
    assert.equal(reply.error, undefined);
    assert.deepEqual(reply.result, {
      l1ChainId: "11155111",
      checkpointManager: info.checkpointManager,
      bridge: info.bridge,
      deploymentBlock: 4_000_000,
      confirmations: 0,
      systemContracts: info.systemContracts,
      nextDepositNonce: (2n ** 64n).toString(),
      nextWithdrawalId: "3",
      tokens: [
        {
          l1Token: TOKEN,
          l2Token: "0x00000000000000000000000000000000000c0c0c",
          name: "USD Coin",
          symbol: "USDC",
          decimals: 6,
          totalSupply: supply.toString(),
        },
      ],
    });
    assert.equal((await call("outrigger_bridgeInfo", [1])).error?.code, -32602, "it takes no params");
  });
});
