import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  JsonRpcProvider,
  Signature,
  Transaction,
  type TransactionLike,
  type TransactionResponse,
  toBeHex,
  type Wallet,
} from "ethers";
import { type Address, bytesToHex, hexToBytes, keccak256Hex } from "../../node/crypto/index.ts";
import { createMempool, MempoolError } from "../../node/mempool/index.ts";
import { RpcErrorCode } from "../../node/rpc/errors.ts";
import { decodeTx, type Json, txJson } from "../../node/rpc/ethJson.ts";
import { rejectionError } from "../../node/rpc/methods/eth.ts";
import { callObjectSchema } from "../../node/rpc/schemas.ts";
import { addr, alice, BASE_FEE, bob, CHAIN_ID, signTx, testApp } from "../helpers/appFixture.ts";
import { FakeRpcBackend, testWallets } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";

type TxObject = { [key: string]: Json };

/** The transaction as eth_getTransactionByHash serves it while pending. */
function served(raw: Uint8Array): TxObject {
  const json = txJson(decodeTx(raw), keccak256Hex(raw), addr(alice), null);
  assert.ok(json !== null && typeof json === "object" && !Array.isArray(json));
  return json;
}

const big = (value: Json | undefined): bigint => BigInt(String(value));
/** A served quantity (no leading zeros) as the 32-byte word a signature holds. */
const word = (value: Json | undefined): string => toBeHex(big(value), 32);

/** Rebuilds the signed transaction from the served fields alone, as a client that re-verifies a transaction does. */
function rebuilt(json: TxObject): string {
  const type = Number(big(json.type));
  const like: TransactionLike = {
    type,
    nonce: Number(big(json.nonce)),
    to: json.to as string | null,
    value: big(json.value),
    gasLimit: big(json.gas),
    data: String(json.input),
    signature: { r: word(json.r), s: word(json.s), v: Number(big(json.v)) },
  };
  if (json.chainId !== undefined) like.chainId = big(json.chainId);
  if (json.gasPrice !== undefined && (type === 0 || type === 1)) like.gasPrice = big(json.gasPrice);
  if (type === 2 || type === 4) {
    like.maxFeePerGas = big(json.maxFeePerGas);
    like.maxPriorityFeePerGas = big(json.maxPriorityFeePerGas);
  }
  if (json.accessList !== undefined)
    like.accessList = json.accessList as { address: string; storageKeys: string[] }[];
  if (type === 4) {
    like.authorizationList = (json.authorizationList as TxObject[]).map((a) => ({
      address: String(a.address),
      nonce: big(a.nonce),
      chainId: big(a.chainId),
      signature: Signature.from({ r: word(a.r), s: word(a.s), yParity: Number(big(a.yParity)) as 0 | 1 }),
    }));
  }
  return Transaction.from(like).serialized;
}

describe("rpc: every transaction type served as geth serves it", () => {
  it("legacy without EIP-155: no chainId, v = 27/28; with it: chainId and v = 2 * chainId + 35/36", async () => {
    const unprotected = await signTx(alice, { type: 0, chainId: undefined, to: addr(bob), value: 1n });
    const json = served(unprotected);
    assert.equal(json.type, "0x0");
    assert.equal("chainId" in json, false);
    assert.ok(["0x1b", "0x1c"].includes(String(json.v)));
    assert.equal("yParity" in json, false);
    assert.equal(rebuilt(json), bytesToHex(unprotected));

    const protectedRaw = await signTx(alice, { type: 0, to: addr(bob), value: 1n });
    const withId = served(protectedRaw);
    assert.equal(withId.chainId, `0x${CHAIN_ID.toString(16)}`);
    assert.ok(big(withId.v) === CHAIN_ID * 2n + 35n || big(withId.v) === CHAIN_ID * 2n + 36n);
    assert.equal(rebuilt(withId), bytesToHex(protectedRaw));
  });

  it("EIP-2930: gasPrice, accessList, yParity = v", async () => {
    const accessList = [{ address: addr(bob), storageKeys: [`0x${"00".repeat(31)}01`] }];
    const raw = await signTx(alice, { type: 1, to: addr(bob), gasPrice: 2n * BASE_FEE, accessList });
    const json = served(raw);
    assert.equal(json.type, "0x1");
    assert.equal(json.gasPrice, `0x${(2n * BASE_FEE).toString(16)}`);
    assert.deepEqual(json.accessList, accessList);
    assert.equal(json.yParity, json.v);
    assert.equal("maxFeePerGas" in json, false);
    assert.equal(rebuilt(json), bytesToHex(raw));
  });

  it("EIP-1559 and EIP-7702: fee fields, and the authorization list with each tuple's signature", async () => {
    const raw2 = await signTx(alice, { type: 2, to: addr(bob) });
    assert.equal(rebuilt(served(raw2)), bytesToHex(raw2));

    const delegate = `0x${"de".repeat(20)}`;
    const auth = await bob.authorize({ address: delegate, nonce: 7n, chainId: 0n });
    const raw4 = await signTx(alice, { type: 4, to: addr(bob), authorizationList: [auth] });
    const json = served(raw4);
    assert.equal(json.type, "0x4");
    assert.equal(json.maxFeePerGas, `0x${(2n * BASE_FEE).toString(16)}`);
    assert.deepEqual(json.authorizationList, [
      {
        chainId: "0x0",
        address: delegate,
        nonce: "0x7",
        yParity: `0x${auth.signature.yParity}`,
        r: `0x${BigInt(auth.signature.r).toString(16)}`,
        s: `0x${BigInt(auth.signature.s).toString(16)}`,
      },
    ]);
    assert.equal(rebuilt(json), bytesToHex(raw4));
  });

  it("eth_call and eth_estimateGas objects carry the access list and the authorization list", () => {
    const parsed = callObjectSchema.parse({
      to: addr(bob),
      accessList: [{ address: addr(bob), storageKeys: [`0x${"00".repeat(32)}`] }],
      authorizationList: [
        { chainId: "0x0", address: addr(alice), nonce: "0x1", yParity: "0x1", r: "0x0a", s: "0x0b" },
      ],
    });
    assert.deepEqual(parsed.accessList, [{ address: addr(bob), storageKeys: [`0x${"00".repeat(32)}`] }]);
    assert.deepEqual(parsed.authorizationList, [
      { chainId: 0n, address: addr(alice), nonce: 1n, yParity: 1n, r: 10n, s: 11n },
    ]);
    assert.equal(callObjectSchema.parse({ to: addr(bob) }).authorizationList, undefined);
    // viem's form when an authorization carries v instead of yParity.
    const withV = callObjectSchema.parse({
      to: addr(bob),
      authorizationList: [
        { chainId: "0x1", address: addr(alice), nonce: "0x0", v: "0x1c", r: "0x1", s: "0x2" },
      ],
    });
    assert.equal(withV.authorizationList?.[0]?.yParity, 1n);
    assert.equal(
      callObjectSchema.safeParse({
        to: addr(bob),
        authorizationList: [{ chainId: "0x1", address: addr(alice), nonce: "0x0", r: "0x1", s: "0x2" }],
      }).success,
      false,
    );
    assert.equal(
      callObjectSchema.safeParse({ to: addr(bob), authorizationList: [{ chainId: "0x0" }] }).success,
      false,
    );
  });

  it("a blob (type 3) transaction is refused as -32003 transaction rejected, saying why", async () => {
    const app = testApp();
    const mempool = createMempool(
      { maxTxs: 10, maxPerSender: 4, maxTxBytes: 128 * 1024, priceBumpPercent: 10, baseFee: BASE_FEE },
      {
        checkTx: (r, hash) => app.checkTx(r, hash),
        account: (address: Address) => ({ nonce: app.nonce(address), balance: app.balance(address) }),
      },
    );
    const raw = await signTx(alice, { to: addr(bob) });
    raw[0] = 0x03;
    const err = (() => {
      try {
        mempool.add(raw);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof MempoolError, String(err));
    assert.equal(err.code, "invalid");
    const rpc = rejectionError(err.code, err.message);
    assert.equal(rpc.code, RpcErrorCode.TransactionRejected);
    assert.equal(rpc.code, -32003);
    assert.match(rpc.message, /blob transactions .*not supported.*no blob space/);
  });

  it("ethers reads each type back from a served block and transaction, to the exact signed bytes", async (t) => {
    const [sender] = testWallets(1) as [Wallet];
    const backend = new FakeRpcBackend({ minGasPrice: BASE_FEE, alloc: { [addr(sender)]: 10n ** 20n } });
    const chainId = backend.chain.chainId;
    const common = { to: addr(bob), value: 1n, gasLimit: 100_000n };
    const delegate = `0x${"de".repeat(20)}`;
    const raws = [
      await sender.signTransaction({ ...common, type: 0, nonce: 0, gasPrice: BASE_FEE }),
      await sender.signTransaction({
        ...common,
        type: 1,
        chainId,
        nonce: 1,
        gasPrice: BASE_FEE,
        accessList: [{ address: addr(bob), storageKeys: [`0x${"00".repeat(32)}`] }],
      }),
      await sender.signTransaction({
        ...common,
        type: 4,
        chainId,
        nonce: 2,
        maxFeePerGas: 2n * BASE_FEE,
        maxPriorityFeePerGas: 1n,
        authorizationList: [await bob.authorize({ address: delegate, nonce: 0n, chainId })],
      }),
    ];
    for (const raw of raws) {
      const sent = await backend.sendRawTransaction(hexToBytes(raw));
      assert.ok(sent.ok, JSON.stringify(sent));
    }
    backend.mine();
    const { server } = await startRpc(t, backend);
    const provider = new JsonRpcProvider(server.url, undefined, { staticNetwork: true });
    t.after(() => provider.destroy());
    const block = await provider.getBlock(1, true);
    assert.ok(block);
    for (const [i, raw] of raws.entries()) {
      const tx = await provider.getTransaction(Transaction.from(raw).hash as string);
      assert.ok(tx);
      assert.equal(Transaction.from(tx).serialized, raw);
      assert.equal(tx.type, [0, 1, 4][i]);
      assert.equal(Transaction.from(block.prefetchedTransactions[i] as TransactionResponse).serialized, raw);
    }
    const legacy = await provider.getTransaction(Transaction.from(raws[0] as string).hash as string);
    // No chainId served: ethers reads none, and the signature's v is 27/28.
    assert.ok(legacy !== null);
    assert.equal(legacy.chainId ?? 0n, 0n);
    assert.ok([27, 28].includes(legacy.signature.v));
    const setCode = await provider.getTransaction(Transaction.from(raws[2] as string).hash as string);
    assert.equal(setCode?.authorizationList?.[0]?.address.toLowerCase(), delegate);
  });
});
