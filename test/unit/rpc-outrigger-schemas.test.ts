import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { z } from "zod";
import { SidechainRpc, SidechainRpcError } from "../../bridge/sidechainRpc.ts";
import { type Address, type Hex, type SignatureHex, VoteType } from "../../node/crypto/index.ts";
import { outriggerMethods } from "../../node/rpc/methods/outrigger.ts";
import { signCheckpoint } from "../../node/types/index.ts";
import {
  addressWire,
  decimalWire,
  depositClaimParamSchema,
  MAX_UINT256,
  type OutriggerMethod,
  outriggerResultSchema,
  outriggerResultSchemas,
  uintParamWire,
} from "../../node/types/rpc/index.ts";
import type { Checkpoint, DepositClaim } from "../../node/types/shapes.ts";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { rpc, single, startRpc } from "../helpers/rpcServer.ts";

const A = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;
const H = (byte: string): Hex => `0x${byte.repeat(32)}`;
const DOMAIN = { l1ChainId: 31337n, checkpointManager: A(0xc1) };

const CLAIM: DepositClaim = {
  nonce: 5n,
  l1Token: A(0xa1),
  from: A(0xf1),
  to: A(0xe1),
  amount: 10n ** 30n,
  name: "USD Coin",
  symbol: "USDC",
  decimals: 6,
  l1TxHash: H("ab"),
};

function checkpoint(number: number): Checkpoint {
  return {
    sidechainId: 7447n,
    number,
    startHeight: (number - 1) * 5 + 1,
    endHeight: number * 5,
    blocksRoot: H("11"),
    withdrawalsRoot: H("00"),
    nextValidatorSetHash: H("22"),
  };
}

/** A backend with something to say for every outrigger_* method. */
function filledBackend(): FakeRpcBackend {
  const backend = new FakeRpcBackend({ alloc: {} });
  backend.mine();
  backend.mine();
  backend.status_ = { syncing: true, highestKnownHeight: 9, peers: 2, validator: A(0x77) };
  const [v] = backend.validators;
  assert.ok(v);
  for (const n of [1, 2]) {
    const c = checkpoint(n);
    backend.checkpoints.set(n, {
      certified: {
        checkpoint: c,
        signatures: [{ validator: v.address, signature: signCheckpoint(c, DOMAIN, v.key) }],
      },
      l1: n === 1 ? { status: "confirmed", txHash: H("33") } : { status: "pending", txHash: null },
    });
  }
  backend.withdrawalProofs.set(4n, {
    kind: "ok",
    checkpointNumber: 2,
    withdrawal: { id: 4n, l1Token: A(0xaa), l1Recipient: A(0xbb), amount: 10n ** 20n },
    proof: [H("44"), H("45")],
    root: H("55"),
  });
  backend.bridgeInfo_ = {
    l1ChainId: 31337n,
    checkpointManager: DOMAIN.checkpointManager,
    bridge: A(0xb0),
    deploymentBlock: 12,
    confirmations: 2,
    systemContracts: { bridge: A(0x1001), staking: A(0x1000) },
    nextDepositNonce: 4n,
    nextWithdrawalId: 2n ** 70n,
    tokens: [
      {
        l1Token: A(0),
        l2Token: A(0xe0),
        name: "Ether",
        symbol: "ETH",
        decimals: 18,
        totalSupply: 10n ** 24n,
      },
    ],
  };
  backend.deposits.set(3n, {
    status: "minted",
    nonce: 3n,
    l1Token: A(0),
    l2Token: A(0xe0),
    from: A(0xf1),
    to: A(0xe1),
    amount: 10n ** 18n,
    l1TxHash: H("cd"),
    height: 2,
  });
  const vote = (blockHash: Hex | null, sig: string) => ({
    type: VoteType.Precommit,
    height: 1,
    round: 2,
    blockHash,
    validator: A(0x77),
    signature: `0x${sig.repeat(65)}` as SignatureHex,
  });
  backend.evidence.set(1, [
    { hash: H("e1"), evidence: { voteA: vote(null, "0a"), voteB: vote(H("e2"), "0b") } },
  ]);
  backend.standings.set(backend.validators[1]?.address as Address, {
    stake: 20n * 10n ** 18n - 10n ** 17n,
    jailed: true,
    jailedUntil: 640,
    slashed: 10n ** 17n,
    missedInWindow: 3,
  });
  backend.droppedTxs.set(H("d0"), {
    hash: H("d0"),
    status: "dropped",
    reason: "evicted",
    message: `evicted from a full pool by ${H("d1")} (price 2000000000)`,
    droppedAt: 1_700_000_000_000,
  });
  return backend;
}

/** Params that make each method answer with a value; typed by the schema table so a new method needs a case. */
const CALLS: Record<OutriggerMethod, unknown[]> = {
  outrigger_status: [],
  outrigger_validators: [1],
  outrigger_commit: [1],
  outrigger_checkpoint: [1],
  outrigger_checkpoints: [1, 5],
  outrigger_withdrawalProof: ["4"],
  outrigger_bridgeInfo: [],
  outrigger_deposit: ["3"],
  outrigger_submitDepositClaim: [
    {
      nonce: "5",
      token: CLAIM.l1Token,
      from: CLAIM.from,
      to: CLAIM.to,
      amount: CLAIM.amount.toString(),
      name: CLAIM.name,
      symbol: CLAIM.symbol,
      decimals: CLAIM.decimals,
      l1TxHash: CLAIM.l1TxHash,
    },
  ],
  outrigger_txStatus: [H("d0")],
  outrigger_evidence: [1],
};

/** Params for which the nullable methods find nothing. */
const NOTHING: Partial<Record<OutriggerMethod, unknown[]>> = {
  outrigger_validators: [1000],
  outrigger_commit: [99],
  outrigger_checkpoint: [9],
  outrigger_deposit: ["99"],
  outrigger_txStatus: [H("ee")],
  outrigger_evidence: [99],
};

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

/** A JSON-RPC endpoint that answers every call with `result`, as a broken or hostile node might. */
async function cannedNode(t: TestContext, result: unknown): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    // The client keeps its connection alive; close it now rather than after the idle timeout.
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("outrigger_* results and the shared schemas", () => {
  it("every outrigger_* method the server has is declared in the schema table, and nothing else", () => {
    const served = outriggerMethods.map((m) => m.name).filter((name) => name.startsWith("outrigger_"));
    assert.equal(served.length, outriggerMethods.length);
    assert.deepEqual([...served].sort(), Object.keys(outriggerResultSchemas).sort());
  });

  it("the server's answer to each method decodes with its schema and is exactly its encoding", async (t) => {
    const backend = filledBackend();
    const { server } = await startRpc(t, backend);
    for (const [method, params] of Object.entries(CALLS) as [OutriggerMethod, unknown[]][]) {
      const reply = single(await rpc(server.url, method, params));
      assert.equal(reply.error, undefined, `${method}: ${reply.error?.message}`);
      assert.notEqual(reply.result, null, method);
      if (Array.isArray(reply.result)) assert.notEqual(reply.result.length, 0, method);
      const schema = outriggerResultSchema(method);
      const decoded = schema.safeParse(reply.result);
      assert.ok(decoded.success, `${method}: ${decoded.error && describeIssues(decoded.error)}`);
      // Re-encoding gives back the very JSON: no field the schema does not know, none in another spelling.
      assert.deepEqual(z.encode(schema, decoded.data), reply.result, method);
    }
    for (const [method, params] of Object.entries(NOTHING) as [OutriggerMethod, unknown[]][]) {
      const reply = single(await rpc(server.url, method, params));
      assert.equal(reply.result, null, method);
      assert.ok(outriggerResultSchema(method).safeParse(null).success, method);
    }
  });

  it("the server does not send a result that breaks its schema", async (t) => {
    const backend = filledBackend();
    const info = backend.bridgeInfo_;
    assert.ok(info);
    backend.bridgeInfo_ = { ...info, bridge: "0x1234" };
    const { server, logger } = await startRpc(t, backend);
    const reply = single(await rpc(server.url, "outrigger_bridgeInfo", []));
    assert.equal(reply.result, undefined);
    assert.equal(reply.error?.code, -32603);
    assert.equal(logger.errors().length, 1, "the broken answer is logged as a server bug");
  });
});

describe("SidechainRpc", () => {
  it("decodes the server's answers into the values the backend holds", async (t) => {
    const backend = filledBackend();
    const { server } = await startRpc(t, backend);
    const client = new SidechainRpc(server.url);

    const status = await client.status();
    assert.equal(status.chainId, 7447n);
    assert.equal(status.height, 2);
    assert.equal(status.highestKnownHeight, 9);
    assert.equal(status.validator, A(0x77));
    assert.deepEqual(await client.bridgeInfo(), backend.bridgeInfo_);
    assert.deepEqual(await client.deposit(3n), backend.deposits.get(3n));
    assert.equal(await client.deposit(99n), null);
    const record = backend.checkpoints.get(1);
    assert.ok(record);
    assert.deepEqual(await client.checkpoint(1), { ...record.certified, l1: record.l1 });
    assert.deepEqual(
      (await client.checkpoints(1, 5)).map((c) => c.checkpoint.number),
      [1, 2],
    );
    const set = await client.validators(1);
    assert.deepEqual(
      set?.validators,
      await Promise.all(
        backend.validators.map(async ({ address, power }) => ({
          address,
          power,
          ...(await backend.getValidatorStanding(address)),
        })),
      ),
    );
    assert.equal(set?.validators.filter((v) => v.jailed).length, 1, "a jailed validator reads as jailed");
    assert.equal(set?.totalPower, 60n);
    const { kind: _ok, ...proof } = backend.withdrawalProofs.get(4n) as { kind: "ok" };
    assert.deepEqual(await client.withdrawalProof(4n), proof);
    assert.deepEqual(await client.submitDepositClaim(CLAIM), { nonce: 5n, status: "pending" });
    assert.deepEqual(backend.submittedClaims, [CLAIM], "the claim arrives as it was sent");
  });

  it("rejects a result missing a field with a SidechainRpcError naming the method and the field", async (t) => {
    const proof = {
      checkpointNumber: 2,
      withdrawal: { id: "4", token: A(0xaa), recipient: A(0xbb) },
      proof: [H("44")],
      root: H("55"),
    };
    const client = new SidechainRpc(await cannedNode(t, proof));
    await assert.rejects(client.withdrawalProof(4n), (err: unknown) => {
      assert.ok(err instanceof SidechainRpcError);
      assert.equal(err.code, null);
      assert.match(
        err.message,
        /^outrigger_withdrawalProof: unexpected result: withdrawal\.amount: missing \(expected a decimal string\)$/,
      );
      return true;
    });

    const { tokens: _missing, ...info } = z.encode(outriggerResultSchema("outrigger_bridgeInfo"), {
      ...(filledBackend().bridgeInfo_ as NonNullable<FakeRpcBackend["bridgeInfo_"]>),
    });
    const infoClient = new SidechainRpc(await cannedNode(t, info));
    await assert.rejects(
      infoClient.bridgeInfo(),
      /^SidechainRpcError: outrigger_bridgeInfo: unexpected result: tokens: missing /,
    );
  });

  it("rejects a field in the wrong encoding", async (t) => {
    const deposit = {
      nonce: 3,
      status: "minted",
      l1Token: A(0),
      l2Token: A(0xe0),
      from: A(0xf1),
      to: A(0xe1),
      amount: "0x10",
      l1TxHash: H("cd"),
      height: 2,
    };
    const client = new SidechainRpc(await cannedNode(t, deposit));
    await assert.rejects(
      client.deposit(3n),
      (err: unknown) =>
        err instanceof SidechainRpcError &&
        /nonce: /.test(err.message) &&
        /amount: expected a decimal string/.test(err.message),
    );
  });
});

describe("wire codecs", () => {
  it("decimal strings are canonical both ways", () => {
    assert.equal(z.decode(decimalWire, "0"), 0n);
    assert.equal(z.decode(decimalWire, (2n ** 300n).toString()), 2n ** 300n);
    assert.equal(z.encode(decimalWire, 10n ** 20n), "100000000000000000000");
    for (const bad of ["01", "-1", "1e3", "0x10", "", " 1", 7]) {
      assert.equal(decimalWire.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it("addresses are lowercased on the way in and refused when malformed", () => {
    assert.equal(z.decode(addressWire, `0x${"AB".repeat(20)}`), `0x${"ab".repeat(20)}`);
    for (const bad of [`0X${"ab".repeat(20)}`, `0x${"ab".repeat(19)}`, `0x${"g".repeat(40)}`]) {
      assert.equal(addressWire.safeParse(bad).success, false, bad);
    }
  });

  it("an id or nonce parameter is an integer, a decimal string or a hex quantity, within uint256", () => {
    const nonce = uintParamWire("a deposit nonce");
    for (const [input, value] of [
      [12, 12n],
      ["12", 12n],
      ["0x0c", 12n],
      [MAX_UINT256.toString(), MAX_UINT256],
    ] as const) {
      assert.equal(z.decode(nonce, input), value, String(input));
    }
    assert.equal(z.encode(nonce, 12n), "12");
    const over = nonce.safeParse((MAX_UINT256 + 1n).toString());
    assert.match(over.error?.issues[0]?.message ?? "", /a deposit nonce does not fit uint256/);
    for (const bad of [-1, 1.5, "abc", "012", null])
      assert.equal(nonce.safeParse(bad).success, false, String(bad));
  });

  it("the deposit claim parameter names the L1 token `token` on the wire and round-trips", () => {
    const json = z.encode(depositClaimParamSchema, CLAIM);
    assert.deepEqual(json, {
      nonce: "5",
      token: CLAIM.l1Token,
      from: CLAIM.from,
      to: CLAIM.to,
      amount: CLAIM.amount.toString(),
      name: CLAIM.name,
      symbol: CLAIM.symbol,
      decimals: CLAIM.decimals,
      l1TxHash: CLAIM.l1TxHash,
    });
    assert.deepEqual(z.decode(depositClaimParamSchema, json), CLAIM);
    const long = depositClaimParamSchema.safeParse({ ...json, symbol: "S".repeat(33) });
    assert.match(long.error?.issues[0]?.message ?? "", /symbol/);
  });
});
