import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { benchAccounts } from "../../bench/lib/accounts.ts";
import {
  deployTestToken,
  type ExecutionApp,
  executionGenesis,
  FailedTxError,
  openExecutionApp,
  recoverAll,
  type StateBackend,
  SYSTEM_TOKEN,
  signBlocks,
} from "../../bench/lib/blockExecution.ts";
import { ERC20_TRANSFER_GAS_LIMIT } from "../../bench/lib/transfers.ts";
import type { TransferKind } from "../../bench/lib/verdict.ts";
import { erc20Interface } from "../../node/app/index.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";

// Needs TestToken's artifact: `npx hardhat compile --quiet` (as test:contracts does).

const senders = benchAccounts(3_000_000, 4);
const [funder] = benchAccounts(3_000_004, 1);
if (funder === undefined) throw new Error("funder");
const TRANSFER_TOPIC = erc20Interface.getEvent("Transfer")?.topicHash;

async function withApp(backend: StateBackend, fn: (exec: ExecutionApp) => Promise<void>): Promise<void> {
  const exec = await openExecutionApp(backend, executionGenesis(senders, funder as (typeof senders)[0]));
  try {
    await fn(exec);
  } finally {
    await exec.close();
  }
}

async function tokenBalance(exec: ExecutionApp, token: Address, holder: Address): Promise<bigint> {
  const out = await exec.app.call({
    to: token,
    data: erc20Interface.encodeFunctionData("balanceOf", [holder]) as Hex,
  });
  return BigInt(out);
}

describe("evm bench: block execution", () => {
  for (const backend of ["memory", "classic-level"] as const) {
    for (const kind of ["native", "token", "erc20"] as TransferKind[]) {
      it(`executes ${kind} transfers over ${backend} state, every one succeeding and charged as expected`, async () => {
        await withApp(backend, async (exec) => {
          const token = kind === "erc20" ? await deployTestToken(exec, funder, senders) : SYSTEM_TOKEN;
          const blocks = signBlocks(kind, senders, token, 2, 8);
          const known = recoverAll(exec.app, blocks.flat());
          const first = exec.app.height() + 1;
          for (const txs of blocks) {
            const { result } = await exec.run(txs, known);
            assert.equal(result.receipts.length, 8);
            for (const [i, receipt] of result.receipts.entries()) {
              const tx = known(txs[i]?.hash as Hex);
              assert.ok(tx);
              assert.equal(receipt.status, 1);
              if (kind === "native") {
                assert.equal(receipt.gasUsed, 21_000n);
                assert.equal(receipt.logs.length, 0);
              } else {
                // The system token's limit is exact; the ERC20's leaves room that is never charged.
                if (kind === "token") assert.equal(receipt.gasUsed, tx.gasLimit);
                else assert.ok(receipt.gasUsed > 21_000n && receipt.gasUsed < ERC20_TRANSFER_GAS_LIMIT);
                assert.equal(receipt.logs.length, 1);
                assert.equal(receipt.logs[0]?.address, token);
                assert.equal(receipt.logs[0]?.topics[0], TRANSFER_TOPIC);
              }
            }
          }
          assert.equal(exec.app.height(), first + 1);
          for (const s of senders) assert.equal(exec.app.nonce(s.address), 4n);
        });
      });
    }
  }

  it("deploys TestToken where CREATE puts it and mints to every sender", async () => {
    await withApp("memory", async (exec) => {
      const token = await deployTestToken(exec, funder, senders);
      assert.notEqual(exec.app.code(token), "0x");
      for (const s of senders) assert.equal(await tokenBalance(exec, token, s.address), 10n ** 24n);
      assert.equal(await tokenBalance(exec, token, funder.address), 0n);
    });
  });

  it("stops at a block with a failed transaction", async () => {
    await withApp("memory", async (exec) => {
      const token = await deployTestToken(exec, funder, senders);
      // The funder holds none of the token: its transfer reverts.
      const [txs = []] = signBlocks("erc20", [funder], token, 1, 1, exec.app.nonce(funder.address));
      await assert.rejects(exec.run(txs), FailedTxError);
    });
  });
});
