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
import { ClusterSetupError, deployClusterToken, type RpcCaller } from "../../bench/lib/clusterToken.ts";
import { createdAddress } from "../../bench/lib/testToken.ts";
import { ERC20_TRANSFER_GAS_LIMIT } from "../../bench/lib/transfers.ts";
import type { TransferKind } from "../../bench/lib/verdict.ts";
import { decodeTransaction, erc20Interface } from "../../node/app/index.ts";
import { type Address, type Hex, hexToBytes, keccak256Hex } from "../../node/crypto/index.ts";

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

/**
 * A node that takes every transaction (into `own` and the cluster-wide `all`), answers each receipt from the
 * second ask (the creation, the first transaction sent, succeeds; mints have `mintStatus`) and has `code` anywhere.
 */
function fakeNode(all: Hex[], own: Hex[], opts: { code: Hex; mintStatus: Hex }): RpcCaller {
  const asked = new Set<string>();
  return {
    async call<T>(method: string, params: unknown[] = []): Promise<T> {
      const [first] = params as [Hex];
      if (method === "eth_sendRawTransaction") {
        all.push(first);
        own.push(first);
        return keccak256Hex(hexToBytes(first)) as T;
      }
      if (method === "eth_getCode") return opts.code as T;
      if (method === "eth_getTransactionReceipt") {
        if (!asked.has(first)) {
          asked.add(first);
          return null as T;
        }
        const creation = all[0] !== undefined && keccak256Hex(hexToBytes(all[0])) === first;
        return { status: creation ? "0x1" : opts.mintStatus } as T;
      }
      throw new Error(`unexpected ${method}`);
    },
  };
}

describe("evm bench: the cluster's token", () => {
  const rules = { chainId: 7447n, baseFee: 10n ** 9n };
  const options = {
    deployer: funder,
    senders,
    chainId: rules.chainId,
    maxFeePerGas: rules.baseFee,
    timeoutMs: 10_000,
  };

  it("deploys TestToken, then has every sender mint itself some with nonce 0, spread over the nodes", async () => {
    const all: Hex[] = [];
    const sent: [Hex[], Hex[]] = [[], []];
    const nodes = sent.map((own) => fakeNode(all, own, { code: "0x6080", mintStatus: "0x1" }));
    const token = await deployClusterToken(options, { clients: nodes, log: () => {} });
    assert.equal(token, createdAddress(funder.address, 0n));
    const [deploy, ...mints] = all.map((raw) => decodeTransaction(hexToBytes(raw), rules));
    assert.equal(deploy?.from, funder.address);
    assert.equal(deploy?.to, null);
    assert.equal(deploy?.nonce, 0n);
    assert.equal(sent[0].length, 1 + senders.length / 2);
    assert.deepEqual(mints.map((m) => m.from).sort(), senders.map((s) => s.address).sort());
    for (const m of mints) {
      assert.equal(m.to, token);
      assert.equal(m.nonce, 0n);
      assert.equal(m.data.slice(0, 10), "0x40c10f19"); // mint(address,uint256)
      assert.ok(m.data.includes(m.from.slice(2)));
    }
  });

  it("fails when the creation left no code or a mint failed", async () => {
    await assert.rejects(
      deployClusterToken(options, {
        clients: [fakeNode([], [], { code: "0x", mintStatus: "0x1" })],
        log: () => {},
      }),
      ClusterSetupError,
    );
    await assert.rejects(
      deployClusterToken(options, {
        clients: [fakeNode([], [], { code: "0x60", mintStatus: "0x0" })],
        log: () => {},
      }),
      ClusterSetupError,
    );
  });
});
