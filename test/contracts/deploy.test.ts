import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Contract, ContractFactory, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import { DeployError, deployContracts } from "../../contracts/deploy.ts";
import {
  DeploymentFileError,
  parseDeployment,
  readDeployment,
  serializeDeployment,
} from "../../contracts/deployment.ts";
import { type Address, type Hex, hashValidatorSet, toAddress } from "../../node/crypto/index.ts";
import { ETH_TOKEN } from "../../node/types/index.ts";
import { provider, signer } from "./support/chain.ts";
import { addressOf, SIDECHAIN_ID } from "./support/fixture.ts";
import { serveHardhatOverHttp } from "./support/httpL1.ts";
import { makeValidators, testKey } from "./support/keys.ts";
import { expectRevert } from "./support/revert.ts";

const validators = makeValidators(4);
const ADMIN: Address = `0x${"ad".repeat(20)}`;
const GUARDIAN: Address = `0x${"9d".repeat(20)}`;
const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;

describe("deployContracts", () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serveHardhatOverHttp>>;
  let rpc: JsonRpcProvider;
  let wallet: Wallet;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-deploy-"));
    // A real HTTP JSON-RPC endpoint in front of the in-process chain, and a local key: the path a deployment
    // to any L1 takes, with nothing hardhat-specific on the client side.
    server = await serveHardhatOverHttp();
    rpc = new JsonRpcProvider(server.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 50,
    });
    wallet = new Wallet(testKey("deployer", 0), rpc);
    await provider.send("hardhat_setBalance", [wallet.address, "0x56bc75e2d63100000"]);
  });

  after(async () => {
    rpc.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("deploys both contracts over JSON-RPC and writes a deployment file that reads back the same", async () => {
    const outFile = join(dir, "nested", "deployment.json");
    const limits = [{ token: ETH_TOKEN, perTransaction: 10n ** 18n, daily: 5n * 10n ** 18n }];
    const deployment = await deployContracts(wallet, {
      sidechainId: SIDECHAIN_ID,
      validators,
      admin: ADMIN,
      guardian: GUARDIAN,
      limits,
      outFile,
    });
    assert.deepEqual(await readDeployment(outFile), deployment);
    assert.equal(deployment.l1ChainId, 31337n);
    assert.equal(deployment.sidechainId, SIDECHAIN_ID);
    assert.equal(deployment.deployer, toAddress(wallet.address));
    assert.equal(deployment.initialValidatorSetHash, hashValidatorSet(validators));
    assert.equal((await rpc.getTransactionCount(wallet.address)) > 0, true);

    const managerCode = await rpc.getCode(deployment.checkpointManager);
    const bridgeCode = await rpc.getCode(deployment.bridge);
    assert.ok(managerCode.length > 2 && bridgeCode.length > 2, "both addresses hold code");
    const deployBlock = await rpc.getBlock(deployment.deploymentBlock, true);
    assert.ok(
      deployBlock?.prefetchedTransactions.some((tx) => tx.from === wallet.address && tx.to === null),
      "the deployment block holds the first deployment transaction",
    );

    const manager = new Contract(
      deployment.checkpointManager,
      (await loadArtifact("CheckpointManager")).abi,
      rpc,
    );
    const bridge = new Contract(deployment.bridge, (await loadArtifact("Bridge")).abi, rpc);
    assert.equal(await manager.getFunction("sidechainId")(), SIDECHAIN_ID);
    assert.equal(await manager.getFunction("validatorSetHash")(), hashValidatorSet(validators));
    assert.equal(toAddress(await bridge.getFunction("checkpointManager")()), deployment.checkpointManager);
    const adminRole = await bridge.getFunction("DEFAULT_ADMIN_ROLE")();
    const guardianRole = await bridge.getFunction("GUARDIAN_ROLE")();
    assert.equal(guardianRole, keccak256(toUtf8Bytes("GUARDIAN_ROLE")));
    const hasRole = (role: string, who: string) =>
      bridge.getFunction("hasRole")(role, who) as Promise<boolean>;
    assert.deepEqual(
      await Promise.all([
        hasRole(adminRole, ADMIN),
        hasRole(guardianRole, GUARDIAN),
        hasRole(adminRole, GUARDIAN),
        hasRole(guardianRole, ADMIN),
        hasRole(adminRole, wallet.address),
      ]),
      [true, true, false, false, false],
      "admin and guardian are separate roles and the deployer keeps neither",
    );
    assert.deepEqual([...(await bridge.getFunction("limits")(ETH_TOKEN))], [10n ** 18n, 5n * 10n ** 18n]);
  });

  it("refuses a set it could never move past, before sending anything", async () => {
    const nonce = await rpc.getTransactionCount(wallet.address);
    const base = { sidechainId: SIDECHAIN_ID, admin: ADMIN, guardian: GUARDIAN, outFile: null };
    const [a, b] = validators as [(typeof validators)[0], (typeof validators)[0]];
    for (const bad of [
      [],
      [b, a],
      [a, a],
      [{ ...a, power: 0n }],
      [a, { ...b, power: 0n }],
      [{ ...a, address: ETH_TOKEN }],
    ]) {
      await assert.rejects(deployContracts(wallet, { ...base, validators: bad }), DeployError);
    }
    await assert.rejects(deployContracts(wallet, { ...base, validators, sidechainId: 0n }), DeployError);
    assert.equal(await rpc.getTransactionCount(wallet.address), nonce);
  });

  it("cannot deploy a CheckpointManager with a zero validator-set hash or sidechain id, nor a Bridge without roles", async () => {
    const deployer = await signer(0);
    const managerArtifact = await loadArtifact("CheckpointManager");
    const managerFactory = new ContractFactory(managerArtifact.abi, managerArtifact.bytecode, deployer);
    await expectRevert(
      managerFactory.deploy(SIDECHAIN_ID, ZERO_HASH),
      managerFactory.interface,
      "ZeroValidatorSetHash",
    );
    await expectRevert(
      managerFactory.deploy(0n, hashValidatorSet(validators)),
      managerFactory.interface,
      "ZeroSidechainId",
    );
    const bridgeArtifact = await loadArtifact("Bridge");
    const bridgeFactory = new ContractFactory(bridgeArtifact.abi, bridgeArtifact.bytecode, deployer);
    const someManager = await addressOf(deployer);
    for (const [manager, admin, guardian] of [
      [ETH_TOKEN, ADMIN, GUARDIAN],
      [someManager, ETH_TOKEN, GUARDIAN],
      [someManager, ADMIN, ETH_TOKEN],
    ]) {
      await expectRevert(
        bridgeFactory.deploy(manager, admin, guardian, []),
        bridgeFactory.interface,
        "ZeroAddress",
      );
    }
  });
});

describe("deployment file", () => {
  const sample = {
    l1ChainId: 1n,
    sidechainId: 424242n,
    checkpointManager: `0x${"11".repeat(20)}` as Address,
    bridge: `0x${"22".repeat(20)}` as Address,
    deploymentBlock: 123,
    initialValidatorSetHash: `0x${"33".repeat(32)}` as Hex,
    deployer: `0x${"44".repeat(20)}` as Address,
    admin: `0x${"55".repeat(20)}` as Address,
    guardian: `0x${"66".repeat(20)}` as Address,
  };

  it("round-trips and writes chain ids as decimal strings", async () => {
    const text = serializeDeployment({ ...sample, l1ChainId: 2n ** 64n });
    assert.equal(JSON.parse(text).l1ChainId, "18446744073709551616");
    assert.deepEqual(parseDeployment(text), { ...sample, l1ChainId: 2n ** 64n });
    const dir = await mkdtemp(join(tmpdir(), "outrigger-deployment-"));
    try {
      const file = join(dir, "d.json");
      await writeFile(file, serializeDeployment(sample));
      assert.deepEqual(await readDeployment(file), sample);
      assert.ok((await readFile(file, "utf8")).endsWith("}\n"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects malformed files with a typed error", () => {
    const good = JSON.parse(serializeDeployment(sample)) as Record<string, unknown>;
    for (const broken of [
      "not json",
      "[]",
      JSON.stringify({ ...good, l1ChainId: 1 }),
      JSON.stringify({ ...good, sidechainId: "01" }),
      JSON.stringify({ ...good, bridge: "0x1234" }),
      JSON.stringify({ ...good, checkpointManager: sample.checkpointManager.toUpperCase() }),
      JSON.stringify({ ...good, deploymentBlock: -1 }),
      JSON.stringify({ ...good, initialValidatorSetHash: "0x00" }),
      JSON.stringify({ ...good, guardian: undefined }),
    ]) {
      assert.throws(() => parseDeployment(broken), DeploymentFileError, broken.slice(0, 60));
    }
  });
});
