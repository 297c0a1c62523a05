import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type JsonRpcProvider, Wallet } from "ethers";
import { ConfirmationTimeoutError, connectL1, DeployError, deployContracts } from "../../contracts/deploy.ts";
import type { Address } from "../../node/crypto/index.ts";
import { provider } from "./support/chain.ts";
import { SIDECHAIN_ID } from "./support/fixture.ts";
import { serveHardhatOverHttp } from "./support/httpL1.ts";
import { makeValidators, testKey } from "./support/keys.ts";

const validators = makeValidators(3);
const ADMIN: Address = `0x${"ad".repeat(20)}`;
const base = { sidechainId: SIDECHAIN_ID, validators, admin: ADMIN, guardian: ADMIN, outFile: null };

describe("deployContracts: L1 checks and confirmations", () => {
  let server: Awaited<ReturnType<typeof serveHardhatOverHttp>>;
  let url: string;
  let rpc: JsonRpcProvider;
  let wallet: Wallet;

  before(async () => {
    // hardhat's in-process chain mines a block per transaction and none otherwise: the L1 kind that can never
    // confirm the last deployment more than once by itself.
    server = await serveHardhatOverHttp();
    url = server.url;
    rpc = await connectL1(url, 31337n);
    wallet = new Wallet(testKey("deploy-wait", 0), rpc);
    await provider.send("hardhat_setBalance", [wallet.address, "0x56bc75e2d63100000"]);
  });

  after(async () => {
    rpc.destroy();
    await server.close();
  });

  it("connectL1 refuses an L1 with another chain id, and an L1 that does not answer", async () => {
    await assert.rejects(connectL1(url, 1n), (err: unknown) => {
      assert.ok(err instanceof DeployError);
      assert.equal(err.message, `the L1 at ${url} is chain 31337, not chain 1; nothing was sent`);
      return true;
    });
    await assert.rejects(connectL1("http://127.0.0.1:1/", 31337n), /^DeployError: cannot reach the L1 at/);
  });

  it("records the validator set it deployed for, and the block of the first deployment", async () => {
    const deployment = await deployContracts(wallet, base);
    assert.deepEqual(
      deployment.validators,
      validators.map((v) => ({ address: v.address, power: v.power })),
    );
    const receipt = await rpc.getTransactionReceipt(
      (await rpc.getBlock(deployment.deploymentBlock, true))?.prefetchedTransactions[0]?.hash ?? "",
    );
    assert.equal(receipt?.contractAddress?.toLowerCase(), deployment.checkpointManager);
  });

  it("on an L1 that makes no block by itself, fails waiting for a 2nd confirmation instead of hanging", async () => {
    const started = Date.now();
    await assert.rejects(
      deployContracts(wallet, { ...base, confirmations: 2, stallTimeoutMs: 400, pollIntervalMs: 50 }),
      (err: unknown) => {
        assert.ok(err instanceof ConfirmationTimeoutError, String(err));
        assert.equal(err.confirmations, 2);
        assert.match(
          err.message,
          /is in block \d+ and the L1 made no block for 0.4 s \(head \d+, 2 confirmations wanted\); CheckpointManager 0x[0-9a-f]{40} and Bridge 0x[0-9a-f]{40} are mined but not yet confirmed$/,
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000);
  });

  it("waits for N confirmations while the L1 makes blocks", async () => {
    const miner = setInterval(() => void provider.send("evm_mine", []).catch(() => {}), 100);
    try {
      const deployment = await deployContracts(wallet, {
        ...base,
        confirmations: 3,
        stallTimeoutMs: 5_000,
        pollIntervalMs: 50,
      });
      const head = await rpc.getBlockNumber();
      const bridgeCode = await rpc.getCode(deployment.bridge);
      assert.ok(bridgeCode.length > 2);
      assert.ok(head >= deployment.deploymentBlock + 3, "both deployments are at least 3 blocks deep");
    } finally {
      clearInterval(miner);
    }
  });

  it("refuses a deployer without ETH before sending anything", async () => {
    const poor = new Wallet(testKey("deploy-wait", 1), rpc);
    await assert.rejects(deployContracts(poor, base), /has no ETH on this L1/);
    assert.equal(await rpc.getTransactionCount(poor.address), 0);
    await assert.rejects(deployContracts(wallet, { ...base, confirmations: 0 }), DeployError);
  });
});
