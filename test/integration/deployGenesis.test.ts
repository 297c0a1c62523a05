import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Contract, JsonRpcProvider } from "ethers";
import { type LocalL1, startLocalL1 } from "../../cli/devnet/l1.ts";
import { loadArtifact } from "../../contracts/artifacts.ts";
import { parseDeployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { parseGenesis } from "../../node/config/genesis.ts";
import { hashValidatorSet, privateKeyToAddress } from "../../node/crypto/index.ts";
import { outrigger } from "../helpers/cli.ts";

const SIDECHAIN_ID = "4242";
const PASSWORD = "integration password";

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await outrigger(args, env);
  assert.equal(run.code, 0, `outrigger ${args.join(" ")} failed: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

describe("outrigger deploy and genesis --validators-file against a local L1", () => {
  let dir: string;
  let l1: LocalL1;
  let provider: JsonRpcProvider;
  let l1ChainId: string;
  let deployerKeyFile: string;
  let validatorsFile: string;
  const validators: { address: string; peerId: string; power: number }[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-deploy-genesis-"));
    l1 = await startLocalL1(0, join(dir, "l1.log"));
    provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    l1ChainId = BigInt((await provider.send("eth_chainId", [])) as string).toString();
    const passwordFile = join(dir, "password");
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    // Four operators' keys, each made the way docs/operators.md tells them to.
    for (let i = 0; i < 4; i++) {
      const key = JSON.parse(
        await ok([
          "keys",
          "new",
          "--type",
          "validator",
          "--out",
          join(dir, `validator${i}.json`),
          "--password-file",
          passwordFile,
          "--json",
        ]),
      ) as { address: string };
      const p2p = JSON.parse(
        await ok(["keys", "new", "--type", "p2p", "--out", join(dir, `p2p${i}.json`), "--json"]),
      ) as { peerId: string };
      validators.push({ address: key.address, peerId: p2p.peerId, power: 100 * (i + 1) });
    }
    validatorsFile = join(dir, "validators.json");
    await writeFile(
      validatorsFile,
      JSON.stringify(
        validators.map((v, i) => ({
          name: `operator-${i}`,
          address: v.address,
          power: v.power,
          peerId: v.peerId,
          p2pAddress: `/ip4/127.0.0.1/tcp/${36656 + i}/p2p/${v.peerId}`,
        })),
        null,
        2,
      ),
    );
    // The deployer: the local L1's funded account 0, imported into a keystore.
    const hexKey = join(dir, "deployer.hex");
    await writeFile(hexKey, `${devAccountKey(0)}\n`, { mode: 0o600 });
    deployerKeyFile = join(dir, "deployer.json");
    await ok([
      "keys",
      "import",
      "--type",
      "validator",
      "--key-file",
      hexKey,
      "--out",
      deployerKeyFile,
      "--password-file",
      passwordFile,
    ]);
  });

  after(async () => {
    provider?.destroy();
    await l1?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const deployArgs = (out: string, chainId: string) => [
    "deploy",
    "--l1-rpc",
    l1.url,
    "--l1-chain-id",
    chainId,
    "--sidechain-id",
    SIDECHAIN_ID,
    "--validators",
    validatorsFile,
    "--deployer-key-file",
    deployerKeyFile,
    "--out",
    out,
  ];

  it("refuses an L1 whose chain id is not --l1-chain-id: one line, exit 1, nothing sent", async () => {
    const out = join(dir, "wrong.json");
    const deployer = privateKeyToAddress(devAccountKey(0));
    const nonce = await provider.getTransactionCount(deployer);
    const wrongId = l1ChainId === "1" ? "2" : "1";
    const run = await outrigger(deployArgs(out, wrongId), { OUTRIGGER_DEPLOYER_PASSWORD: PASSWORD });
    assert.deepEqual(run, {
      code: 1,
      stdout: "",
      stderr: `error: the L1 at ${l1.url} is chain ${l1ChainId}, not chain ${wrongId}; nothing was sent\n`,
    });
    assert.equal(await provider.getTransactionCount(deployer), nonce);
    await assert.rejects(stat(out), /ENOENT/);
  });

  it("deploys for the validators file, then writes a genesis without dev accounts for the same set", async () => {
    const deploymentFile = join(dir, "deployment.json");
    const printed = parseDeployment(
      await ok([...deployArgs(deploymentFile, l1ChainId), "--json"], {
        OUTRIGGER_DEPLOYER_PASSWORD: PASSWORD,
      }),
    );
    const deployment = parseDeployment(await readFile(deploymentFile, "utf8"));
    assert.deepEqual(printed, deployment, "--json prints what it wrote");
    assert.equal(deployment.l1ChainId.toString(), l1ChainId);
    assert.equal(deployment.sidechainId.toString(), SIDECHAIN_ID);
    for (const address of [deployment.checkpointManager, deployment.bridge])
      assert.ok((await provider.getCode(address)).length > 2, `code at ${address} on L1`);

    const genesisFile = join(dir, "genesis.json");
    await ok([
      "genesis",
      "--validators-file",
      validatorsFile,
      "--deployment",
      deploymentFile,
      "--out",
      genesisFile,
    ]);
    const genesis = parseGenesis(JSON.parse(await readFile(genesisFile, "utf8")));
    assert.equal(genesis.chainId.toString(), SIDECHAIN_ID);
    assert.deepEqual(genesis.alloc, [], "no dev accounts");
    assert.deepEqual(genesis.nativeTokens, [], "no dev token");
    const text = await readFile(genesisFile, "utf8");
    for (let i = 0; i < DEVNET_DEFAULTS.devAccounts; i++)
      assert.ok(!text.includes(privateKeyToAddress(devAccountKey(i)).slice(2)), `dev account ${i} is absent`);
    assert.deepEqual(
      genesis.validators.map((v) => [v.address, v.stake, v.name]),
      validators.map((v, i) => [v.address.toLowerCase(), BigInt(v.power) * 10n ** 18n, `operator-${i}`]),
    );
    assert.equal(genesis.l1?.chainId.toString(), l1ChainId);
    assert.equal(genesis.l1?.checkpointManager, deployment.checkpointManager);
    assert.equal(genesis.l1?.bridge, deployment.bridge);
    assert.equal(genesis.l1?.deploymentBlock, deployment.deploymentBlock);

    // What CheckpointManager holds on L1 is the genesis set: the first checkpoint will verify.
    const manager = new Contract(
      deployment.checkpointManager,
      (await loadArtifact("CheckpointManager")).abi,
      provider,
    );
    const genesisSet = genesis.validators
      .map((v) => ({ address: v.address, power: v.stake / 10n ** 18n }))
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    assert.equal(await manager.getFunction("validatorSetHash")(), hashValidatorSet(genesisSet));

    // A validators file other than the one deployed for is refused, and nothing is written.
    const otherFile = join(dir, "validators-other.json");
    const list = JSON.parse(await readFile(validatorsFile, "utf8")) as { power: number }[];
    await writeFile(otherFile, JSON.stringify(list.map((v, i) => (i === 0 ? { ...v, power: 1 } : v))));
    const refused = await outrigger([
      "genesis",
      "--validators-file",
      otherFile,
      "--deployment",
      deploymentFile,
      "--out",
      join(dir, "other-genesis.json"),
    ]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^error: the validators file is not the set the contracts were deployed for: .* has power 1 in the file, 100 in the deployment\n$/,
    );
    await assert.rejects(stat(join(dir, "other-genesis.json")), /ENOENT/);
  });
});
