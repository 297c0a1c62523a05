import { ok, strictEqual } from "node:assert/strict";
import { describe, test } from "node:test";
import { type Authorization, Interface, Transaction, Wallet } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import { type Application, createApplication } from "../../node/app/index.ts";
import { type Address, bytesToHex, type Hex, hexToBytes } from "../../node/crypto/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  CHAIN_ID,
  carol,
  countingRecovery,
  ETHER,
  PROPOSER,
  runBlock,
  signTx,
  testApp,
  testGenesis,
} from "../helpers/appFixture.ts";

const probeArtifact = await loadArtifact("EvmProbe", { source: "test/EvmProbe" });
const probe = new Interface(probeArtifact.abi);
const INC = probe.encodeFunctionData("inc") as Hex;
const COUNT = probe.encodeFunctionData("count") as Hex;
const SLOT_0: Hex = `0x${"00".repeat(32)}`;
const ZERO_ADDRESS = `0x${"00".repeat(20)}`;

/** A fresh chain with EvmProbe deployed by alice at block 1 (alice's next nonce is 1). */
async function deployProbe(): Promise<{ app: Application; probeAt: Address }> {
  const app = testApp();
  const raw = await signTx(alice, { to: null, data: probeArtifact.bytecode, gasLimit: 3_000_000n });
  const result = await runBlock(app, [raw]);
  const address = result.receipts[0]?.contractAddress ?? null;
  ok(address !== null, `deployment failed: ${result.txResults[0]?.error}`);
  return { app, probeAt: address };
}

/** Checks the transaction in, executes it alone in the next block, and returns its receipt and result. */
async function execute(app: Application, raw: Uint8Array) {
  const checked = app.checkTx(raw);
  ok(checked.ok, checked.ok ? "" : checked.error.message);
  const result = await runBlock(app, [raw]);
  const receipt = result.receipts[0];
  const txResult = result.txResults[0];
  ok(receipt !== undefined && txResult !== undefined);
  return { receipt, txResult };
}

const designator = (delegate: string): Hex => `0xef0100${delegate.slice(2).toLowerCase()}`;

describe("transaction types executed by the app", () => {
  test("legacy without EIP-155 (v = 27/28, no chain id) is admitted and executed", async () => {
    const app = testApp();
    const raw = await signTx(alice, {
      type: 0,
      chainId: undefined,
      to: addr(carol),
      value: 5n,
      gasLimit: 21_000n,
    });
    strictEqual(Transaction.from(bytesToHex(raw)).chainId, 0n);
    const before = app.balance(addr(carol));
    const { receipt } = await execute(app, raw);
    strictEqual(receipt.status, 1);
    strictEqual(receipt.gasUsed, 21_000n);
    strictEqual(app.balance(addr(carol)), before + 5n);
    strictEqual(app.nonce(addr(alice)), 1n);
  });

  test("a keyless deployment (Nick's method): a pre-EIP-155 creation from an address nobody holds the key of", async () => {
    const app = testApp();
    const unsigned = Transaction.from({
      type: 0,
      nonce: 0,
      gasPrice: BASE_FEE,
      gasLimit: 3_000_000n,
      data: probeArtifact.bytecode,
    });
    // Any key works for the method; what matters is that the transaction carries no chain id.
    unsigned.signature = Wallet.createRandom().signingKey.sign(unsigned.unsignedHash);
    const keyless = unsigned.from?.toLowerCase() as Address;
    await execute(app, await signTx(alice, { to: keyless, value: ETHER, gasLimit: 21_000n }));
    const { receipt } = await execute(app, hexToBytes(unsigned.serialized));
    strictEqual(receipt.status, 1);
    ok(receipt.contractAddress !== null);
    ok(app.code(receipt.contractAddress).length > 10);
    strictEqual(app.nonce(keyless), 1n);
  });

  test("EIP-2930: the access list costs 2,400 per address and 1,900 per key up front and warms them", async () => {
    const plain = await deployProbe();
    const listed = await deployProbe();
    const without = await execute(
      plain.app,
      await signTx(alice, { type: 1, to: plain.probeAt, data: INC, nonce: 1 }),
    );
    const accessList = [{ address: listed.probeAt, storageKeys: [SLOT_0] }];
    const withList = await execute(
      listed.app,
      await signTx(alice, { type: 1, to: listed.probeAt, data: INC, nonce: 1, accessList }),
    );
    strictEqual(without.receipt.status, 1);
    strictEqual(withList.receipt.status, 1);
    strictEqual(listed.app.storageAt(listed.probeAt, SLOT_0), 1n);
    // +4,300 up front; the first SLOAD of slot 0 is warm: 100 instead of 2,100.
    strictEqual(withList.receipt.gasUsed - without.receipt.gasUsed, 4_300n - 2_000n);
    strictEqual(withList.receipt.effectiveGasPrice, BASE_FEE);
  });

  test("EIP-7702: a sponsor's transaction delegates bob to the probe; calls to bob run its code on bob's storage", async () => {
    const { app, probeAt } = await deployProbe();
    const auth = await bob.authorize({ address: probeAt, nonce: 0n, chainId: CHAIN_ID });
    const raw = await signTx(alice, {
      type: 4,
      to: addr(bob),
      data: INC,
      nonce: 1,
      authorizationList: [auth],
      gasLimit: 200_000n,
    });
    const { receipt, txResult } = await execute(app, raw);
    strictEqual(receipt.status, 1, txResult.error ?? "");
    strictEqual(app.code(addr(bob)), designator(probeAt));
    strictEqual(app.nonce(addr(bob)), 1n, "the authority's nonce is used");
    strictEqual(app.nonce(addr(alice)), 2n);
    // The delegate's code ran in bob's context: bob's storage, bob's log.
    strictEqual(app.storageAt(addr(bob), SLOT_0), 1n);
    strictEqual(app.storageAt(probeAt, SLOT_0), 0n);
    strictEqual(receipt.logs[0]?.address.toLowerCase(), addr(bob));
    strictEqual(BigInt(await app.call({ to: addr(bob), data: COUNT })), 1n);
    // A later ordinary transaction to bob runs the delegate too.
    const again = await execute(app, await signTx(alice, { to: addr(bob), data: INC, nonce: 2 }));
    strictEqual(again.receipt.status, 1);
    strictEqual(app.storageAt(addr(bob), SLOT_0), 2n);
  });

  test("EIP-7702 gas: 25,000 per tuple up front, 12,500 back (within the refund cap) for an existing authority", async () => {
    const { app, probeAt } = await deployProbe();
    // carol exists (funded at genesis); a fresh key does not.
    const fresh = Wallet.createRandom();
    const auths = [
      await carol.authorize({ address: probeAt, nonce: 0n, chainId: CHAIN_ID }),
      await fresh.authorize({ address: probeAt, nonce: 0n, chainId: 0n }),
    ];
    // A call to an account without code: 21,000 + 2 * 25,000 intrinsic, nothing runs.
    const raw = await signTx(alice, {
      type: 4,
      to: addr(bob),
      nonce: 1,
      authorizationList: auths,
      gasLimit: 100_000n,
    });
    const { receipt } = await execute(app, raw);
    strictEqual(receipt.status, 1);
    const used = 21_000n + 2n * 25_000n;
    // min(12,500, used / 5)
    strictEqual(receipt.gasUsed, used - 12_500n);
    strictEqual(app.code(addr(carol)), designator(probeAt));
    strictEqual(app.code(fresh.address.toLowerCase() as Address), designator(probeAt));
    strictEqual(app.nonce(fresh.address.toLowerCase() as Address), 1n);
  });

  test("EIP-7702: invalid tuples are skipped, not fatal; a self-sponsored tuple signs the nonce after the transaction's", async () => {
    const { app, probeAt } = await deployProbe();
    const tuples: Authorization[] = [
      await bob.authorize({ address: probeAt, nonce: 0n, chainId: 1n }), // another chain
      await carol.authorize({ address: probeAt, nonce: 5n, chainId: CHAIN_ID }), // wrong nonce
      await alice.authorize({ address: probeAt, nonce: 2n, chainId: CHAIN_ID }), // self: tx nonce 1, then 2
    ];
    const raw = await signTx(alice, {
      type: 4,
      to: addr(alice),
      data: INC,
      nonce: 1,
      authorizationList: tuples,
      gasLimit: 300_000n,
    });
    const { receipt, txResult } = await execute(app, raw);
    strictEqual(receipt.status, 1, txResult.error ?? "");
    strictEqual(app.code(addr(bob)), "0x");
    strictEqual(app.nonce(addr(bob)), 0n);
    strictEqual(app.code(addr(carol)), "0x");
    strictEqual(app.code(addr(alice)), designator(probeAt));
    strictEqual(app.nonce(addr(alice)), 3n, "the transaction's nonce, then the tuple's");
    strictEqual(app.storageAt(addr(alice), SLOT_0), 1n, "the call ran the code the tuple set");
    // A delegated account still sends transactions (EIP-7702 lifts EIP-3607 for it).
    const send = await execute(app, await signTx(alice, { to: addr(carol), value: 1n, nonce: 3 }));
    strictEqual(send.receipt.status, 1);
  });

  test("EIP-7702: a tuple to the zero address clears the delegation; a replayed tuple is skipped", async () => {
    const { app, probeAt } = await deployProbe();
    const set = await bob.authorize({ address: probeAt, nonce: 0n, chainId: CHAIN_ID });
    await execute(app, await signTx(alice, { type: 4, to: addr(carol), nonce: 1, authorizationList: [set] }));
    strictEqual(app.code(addr(bob)), designator(probeAt));
    const clear = await bob.authorize({ address: ZERO_ADDRESS, nonce: 1n, chainId: CHAIN_ID });
    await execute(
      app,
      await signTx(alice, { type: 4, to: addr(carol), nonce: 2, authorizationList: [clear] }),
    );
    strictEqual(app.code(addr(bob)), "0x");
    strictEqual(app.nonce(addr(bob)), 2n);
    // A replayed tuple (its nonce is stale now) is skipped; the transaction still runs.
    const { receipt } = await execute(
      app,
      await signTx(alice, { type: 4, to: probeAt, data: INC, nonce: 3, authorizationList: [set] }),
    );
    strictEqual(receipt.status, 1);
    strictEqual(app.code(addr(bob)), "0x");
    strictEqual(app.nonce(addr(bob)), 2n);
    strictEqual(app.storageAt(probeAt, SLOT_0), 1n);
  });

  test("eth_estimateGas with an access list or an authorization list gives a gas limit the transaction succeeds with", async () => {
    const { app, probeAt } = await deployProbe();
    const accessList = [{ address: probeAt, storageKeys: [SLOT_0] }];
    const plain = await app.estimateGas({ from: addr(alice), to: probeAt, data: INC });
    const listed = await app.estimateGas({ from: addr(alice), to: probeAt, data: INC, accessList });
    strictEqual(listed - plain, 4_300n - 2_000n);
    const typed1 = await execute(
      app,
      await signTx(alice, { type: 1, to: probeAt, data: INC, nonce: 1, accessList, gasLimit: listed }),
    );
    strictEqual(typed1.receipt.status, 1);

    const auth = await bob.authorize({ address: probeAt, nonce: 0n, chainId: CHAIN_ID });
    const tuple = {
      chainId: auth.chainId,
      address: auth.address.toLowerCase() as Address,
      nonce: auth.nonce,
      yParity: BigInt(auth.signature.yParity),
      r: BigInt(auth.signature.r),
      s: BigInt(auth.signature.s),
    };
    const request = { from: addr(alice), to: addr(bob), data: INC, authorizationList: [tuple] };
    const gas = await app.estimateGas(request);
    // The delegate runs during the estimate: more than the 46,000 (+ calldata) a call to a code-less account costs.
    ok(gas > 60_000n, `estimate ${gas}`);
    strictEqual(app.code(addr(bob)), "0x", "an estimate changes nothing");
    strictEqual(BigInt(await app.call({ ...request, data: COUNT })), 0n);
    const { receipt } = await execute(
      app,
      await signTx(alice, {
        type: 4,
        to: addr(bob),
        data: INC,
        nonce: 2,
        authorizationList: [auth],
        gasLimit: gas,
      }),
    );
    strictEqual(receipt.status, 1);
    strictEqual(app.storageAt(addr(bob), SLOT_0), 1n);
  });

  test("admission recovers only the sender; execution recovers each tuple for this chain once, in the block's EVM", async () => {
    const counting = countingRecovery();
    const app = createApplication(testGenesis(), null, { recoverSigner: counting.recoverSigner });
    const tuples = [
      await bob.authorize({ address: ZERO_ADDRESS, nonce: 0n, chainId: CHAIN_ID }),
      await carol.authorize({ address: ZERO_ADDRESS, nonce: 0n, chainId: 0n }),
      await carol.authorize({ address: ZERO_ADDRESS, nonce: 0n, chainId: 1n }),
    ];
    const raw = await signTx(alice, {
      type: 4,
      to: addr(bob),
      authorizationList: tuples,
      gasLimit: 200_000n,
    });
    const checked = app.checkTx(raw);
    ok(checked.ok);
    strictEqual(counting.count(), 1, "the sender alone");
    const result = await app.executeBlock(
      { height: 1, time: 1, proposer: PROPOSER },
      [raw],
      [],
      () => checked.tx,
    );
    strictEqual(result.receipts[0]?.status, 1);
    strictEqual(counting.count(), 3, "two tuples for this chain, none for chain 1");
  });

  test("a reverted set-code call keeps its delegations and the sender's nonce", async () => {
    const { app, probeAt } = await deployProbe();
    const auth = await bob.authorize({ address: probeAt, nonce: 0n, chainId: CHAIN_ID });
    const data = probe.encodeFunctionData("incThenRevert") as Hex;
    const raw = await signTx(alice, {
      type: 4,
      to: addr(bob),
      data,
      nonce: 1,
      authorizationList: [auth],
      gasLimit: 200_000n,
    });
    const { receipt } = await execute(app, raw);
    strictEqual(receipt.status, 0);
    strictEqual(app.code(addr(bob)), designator(probeAt));
    strictEqual(app.nonce(addr(bob)), 1n);
    strictEqual(app.nonce(addr(alice)), 2n);
    strictEqual(app.storageAt(addr(bob), SLOT_0), 0n);
  });
});
