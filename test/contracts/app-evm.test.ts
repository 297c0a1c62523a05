import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { describe, test } from "node:test";
import { Interface } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import { BRIDGE_ADDRESS, SYSTEM_CODE } from "../../node/app/addresses.ts";
import { AppError, type Application } from "../../node/app/index.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { SIDECHAIN_TOKEN_ABI } from "../../node/types/index.ts";
import {
  addr,
  alice,
  BASE_FEE,
  bob,
  ODOL,
  PROPOSER,
  runBlock,
  signTx,
  testApp,
} from "../helpers/appFixture.ts";

const probeArtifact = await loadArtifact("EvmProbe", { source: "test/EvmProbe" });
const ephemeralArtifact = await loadArtifact("Ephemeral", { source: "test/EvmProbe" });
const probe = new Interface(probeArtifact.abi);
const token = new Interface([...SIDECHAIN_TOKEN_ABI]);

interface Deployed {
  app: Application;
  address: Address;
  nonce: number;
}

/** A fresh chain with EvmProbe deployed by alice at block 1. */
async function deployProbe(app = testApp()): Promise<Deployed> {
  const raw = await signTx(alice, { to: null, data: probeArtifact.bytecode, gasLimit: 3_000_000n });
  const result = await runBlock(app, [raw]);
  const receipt = result.receipts[0];
  strictEqual(receipt?.status, 1, `deployment failed: ${result.txResults[0]?.error}`);
  const address = receipt.contractAddress;
  ok(address !== null);
  return { app, address, nonce: 1 };
}

async function send(d: Deployed, data: Hex, to: Address | null = d.address, gasLimit = 1_000_000n) {
  const raw = await signTx(alice, { to, data, nonce: d.nonce++, gasLimit });
  const result = await runBlock(d.app, [raw]);
  const receipt = result.receipts[0];
  const txResult = result.txResults[0];
  ok(receipt !== undefined && txResult !== undefined);
  return { result, receipt, txResult };
}

const countOf = async (d: Deployed, at = d.address): Promise<bigint> =>
  BigInt(await d.app.call({ to: at, data: probe.encodeFunctionData("count") as Hex }));

describe("EVM execution in the app", () => {
  test("a deployment stores code, the receipt names the contract, and storage and logs follow calls", async () => {
    const d = await deployProbe();
    ok(d.app.code(d.address).length > 10);
    strictEqual(d.app.nonce(d.address), 1n, "EIP-161: a new contract starts at nonce 1");
    const { receipt } = await send(d, probe.encodeFunctionData("inc") as Hex);
    strictEqual(receipt.status, 1);
    strictEqual(receipt.logs.length, 1);
    const log = probe.parseLog(receipt.logs[0] as { topics: string[]; data: string });
    strictEqual(log?.name, "Incremented");
    strictEqual(log?.args[0], 1n);
    strictEqual(await countOf(d), 1n);
    strictEqual(d.app.storageAt(d.address, `0x${"00".repeat(32)}`), 1n);
  });

  test("a reverted transaction is included with status 0, pays its gas, and changes nothing else", async () => {
    const d = await deployProbe();
    const before = d.app.balance(addr(alice));
    const { receipt, txResult } = await send(d, probe.encodeFunctionData("incThenRevert") as Hex);
    strictEqual(receipt.status, 0);
    deepStrictEqual(receipt.logs, []);
    strictEqual(txResult.error, "execution reverted: inner");
    strictEqual(probe.parseError(txResult.returnData)?.args[0], "inner");
    ok(receipt.gasUsed > 21_000n);
    strictEqual(d.app.balance(addr(alice)), before - receipt.gasUsed * BASE_FEE);
    strictEqual(d.app.nonce(addr(alice)), 2n);
    strictEqual(await countOf(d), 0n);
  });

  test("a nested call's revert undoes exactly the callee's writes", async () => {
    const d = await deployProbe();
    const { receipt } = await send(d, probe.encodeFunctionData("nested", [d.address]) as Hex);
    strictEqual(receipt.status, 1);
    strictEqual(await countOf(d), 2n, "the caller's two increments stay, the callee's 100 is undone");
  });

  test("eth_call returns revert data that decodes to the reason or the custom error", async () => {
    const d = await deployProbe();
    await rejects(
      d.app.call({ to: d.address, data: probe.encodeFunctionData("fail", ["no"]) as Hex }),
      (err: unknown) => {
        ok(err instanceof AppError && err.code === "reverted");
        strictEqual(err.message, "execution reverted: no");
        strictEqual(probe.parseError(err.data ?? "0x")?.args[0], "no");
        return true;
      },
    );
    await rejects(
      d.app.call({ to: d.address, data: probe.encodeFunctionData("failCustom", [7]) as Hex }),
      (err: unknown) => {
        ok(err instanceof AppError && err.code === "reverted");
        const decoded = probe.parseError(err.data ?? "0x");
        strictEqual(decoded?.name, "Custom");
        strictEqual(decoded?.args[0], 7n);
        return true;
      },
    );
  });

  test("CREATE and CREATE2 from a contract, and eth_estimateGas finds a gas limit that succeeds", async () => {
    const d = await deployProbe();
    const salt = `0x${"11".repeat(32)}`;
    const { receipt } = await send(d, probe.encodeFunctionData("create2", [salt]) as Hex);
    strictEqual(receipt.status, 1);
    const created = await send(d, probe.encodeFunctionData("create") as Hex);
    strictEqual(created.receipt.status, 1);
    const child = `0x${created.txResult.returnData.slice(26)}` as Address;
    ok(d.app.code(child).length > 4);
    strictEqual(d.app.nonce(d.address), 3n, "each creation used one of the factory's nonces");
    const again = await send(d, probe.encodeFunctionData("create2", [salt]) as Hex);
    strictEqual(again.receipt.status, 0, "a second CREATE2 with the same salt collides");

    const data = probe.encodeFunctionData("burnGas", [20]) as Hex;
    const estimate = await d.app.estimateGas({ from: addr(alice), to: d.address, data });
    // The short one first: it fails and leaves the state the estimate ran on for the exact one.
    const short = await send(d, data, d.address, estimate - 2_000n);
    strictEqual(short.receipt.status, 0, "the estimate is not much more than needed");
    strictEqual(short.txResult.error, "out of gas");
    const exact = await send(d, data, d.address, estimate);
    strictEqual(exact.receipt.status, 1, "the estimate is enough");
  });

  test("a contract takes a system token with transferFrom after approve, and withdraws through the bridge", async () => {
    const d = await deployProbe();
    const approve = await send(
      d,
      token.encodeFunctionData("approve", [d.address, 5n]) as Hex,
      ODOL,
      200_000n,
    );
    strictEqual(approve.receipt.status, 1);
    const approval = token.parseLog(approve.receipt.logs[0] as { topics: string[]; data: string });
    strictEqual(approval?.name, "Approval");
    const pulled = await send(d, probe.encodeFunctionData("pull", [ODOL, addr(alice), 5n]) as Hex);
    strictEqual(pulled.receipt.status, 1, `pull failed: ${pulled.txResult.error}`);
    strictEqual(d.app.tokenBalance(ODOL, d.address), 5n);
    const transfer = token.parseLog(pulled.receipt.logs[0] as { topics: string[]; data: string });
    strictEqual(transfer?.name, "Transfer");
    const overdraw = await send(d, probe.encodeFunctionData("pull", [ODOL, addr(alice), 1n]) as Hex);
    strictEqual(overdraw.receipt.status, 0, "the allowance is spent");
    strictEqual(d.app.tokenBalance(ODOL, d.address), 5n);

    const viewed = await d.app.call({
      to: d.address,
      data: probe.encodeFunctionData("balanceIn", [ODOL]) as Hex,
    });
    strictEqual(BigInt(viewed), 5n);
    const staticTry = await d.app.call({
      to: d.address,
      data: probe.encodeFunctionData("staticTransfer", [ODOL, addr(bob)]) as Hex,
    });
    strictEqual(BigInt(staticTry), 0n, "a STATICCALL cannot move tokens");
    // ODOL is sidechain-native: the bridge refuses it, and the refusal reverts the contract's call.
    const exit = await send(
      d,
      probe.encodeFunctionData("exit", [BRIDGE_ADDRESS, ODOL, 1n, addr(bob)]) as Hex,
    );
    strictEqual(exit.receipt.status, 0);
  });

  test("system contracts show marker code; call depth and selfdestruct follow the EVM's rules", async () => {
    const d = await deployProbe();
    strictEqual(d.app.code(ODOL), SYSTEM_CODE);
    strictEqual(d.app.code(BRIDGE_ADDRESS), SYSTEM_CODE);
    strictEqual(d.app.code(PROPOSER), "0x");
    const deep = await send(d, probe.encodeFunctionData("recurse", [1100]) as Hex, d.address, 25_000_000n);
    strictEqual(deep.receipt.status, 0, "past depth 1024 the call fails");
    const shallow = await d.app.call({
      to: d.address,
      data: probe.encodeFunctionData("recurse", [10]) as Hex,
    });
    strictEqual(BigInt(shallow), 10n);
    const ephemeral = new Interface(ephemeralArtifact.abi);
    const initcode = `${ephemeralArtifact.bytecode}${ephemeral.encodeDeploy([addr(bob)]).slice(2)}` as Hex;
    const gone = await send(d, initcode, null);
    strictEqual(gone.receipt.status, 1);
    const address = gone.receipt.contractAddress;
    ok(address !== null);
    strictEqual(d.app.code(address), "0x", "a contract destroyed in its creating transaction leaves no code");
    strictEqual(d.app.nonce(address), 0n);
  });

  test("transient storage (EIP-1153) lasts one transaction, also within one block", async () => {
    const d = await deployProbe();
    const set = await signTx(alice, {
      to: d.address,
      data: probe.encodeFunctionData("tset", [5]),
      nonce: d.nonce++,
    });
    const snap = await signTx(alice, {
      to: d.address,
      data: probe.encodeFunctionData("tsnapshot"),
      nonce: d.nonce++,
    });
    const result = await runBlock(d.app, [set, snap]);
    deepStrictEqual(
      result.receipts.map((r) => r.status),
      [1, 1],
    );
    strictEqual(await countOf(d), 0n, "the second transaction reads an empty slot");
  });

  test("an EIP-2930 access list is paid up front and makes what it names warm", async () => {
    const plain = await deployProbe();
    const listed = await deployProbe();
    const data = probe.encodeFunctionData("inc") as Hex;
    const without = await send(plain, data);
    const raw = await signTx(alice, {
      to: listed.address,
      data,
      nonce: listed.nonce++,
      gasLimit: 1_000_000n,
      accessList: [{ address: listed.address, storageKeys: [`0x${"00".repeat(32)}`] }],
    });
    const withList = (await runBlock(listed.app, [raw])).receipts[0];
    strictEqual(withList?.status, 1);
    // +2,400 for the address and +1,900 for the slot; the first SLOAD is warm (100, not 2,100).
    strictEqual(withList?.gasUsed, without.receipt.gasUsed + 2_400n + 1_900n - 2_000n);
  });

  test("bad code fails the transaction by the EVM's rules, never the node", async () => {
    const d = await deployProbe();
    // Initcode 0xfe: INVALID.
    const invalid = await send(d, "0xfe", null);
    strictEqual(invalid.receipt.status, 0);
    strictEqual(invalid.txResult.error, "invalid opcode");
    strictEqual(invalid.receipt.gasUsed, 1_000_000n, "an exceptional halt uses all the gas");
    // JUMPDEST PUSH0 PUSH0 JUMP: pushes one more word than it pops each round, past the 1,024 the stack holds.
    const overflow = await send(d, "0x5b5f5f56", null);
    strictEqual(overflow.receipt.status, 0);
    strictEqual(overflow.txResult.error, "stack overflow");
    // Initcode returning 24,577 bytes: one over EIP-170's limit on deployed code.
    const tooLarge = await send(d, "0x6160015ff3", null, 5_000_000n);
    strictEqual(tooLarge.receipt.status, 0);
    strictEqual(tooLarge.txResult.error, "code size to deposit exceeds maximum code size");
    const atLimit = await send(d, "0x6160005ff3", null, 10_000_000n);
    strictEqual(atLimit.receipt.status, 1, "24,576 bytes deploy");
    strictEqual(d.app.code(atLimit.receipt.contractAddress as Address).length, 2 + 2 * 24_576);
    // The point evaluation precompile (no KZG library, no blobs) fails the call instead of the block.
    const kzg = await send(d, "0x", "0x000000000000000000000000000000000000000a", 100_000n);
    strictEqual(kzg.receipt.status, 0);
    strictEqual(kzg.receipt.gasUsed, 100_000n);
    // A call to a system contract with calldata it cannot decode reverts with a reason.
    const malformed = await send(d, "0xa9059cbb00", ODOL);
    strictEqual(malformed.receipt.status, 0);
    strictEqual(
      malformed.txResult.error,
      "execution reverted: system contract: unknown function selector or malformed arguments",
    );
  });
});
