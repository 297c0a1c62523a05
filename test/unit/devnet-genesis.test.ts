import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  DEPLOYMENT_FILE,
  devnetHome,
  VALIDATORS_FILE,
  writeDevnetValidatorsFile,
} from "../../cli/devnet/deployDevnet.ts";
import { writeDevnetGenesis } from "../../cli/devnet/devnetGenesis.ts";
import { type Deployment, serializeDeployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devValidatorKey } from "../../genesis/devKeys.ts";
import { createNetwork } from "../../genesis/network.ts";
import { l1FromDeployment } from "../../genesis/networkGenesis.ts";
import { checkpointValidatorSet, readValidatorsFile } from "../../genesis/validatorsFile.ts";
import { genesisHash, parseGenesis } from "../../node/config/genesis.ts";
import { hashValidatorSet, privateKeyToAddress } from "../../node/crypto/index.ts";
import { loadOrCreatePeerKey, peerIdOf } from "../../node/p2p/peerKey.ts";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "outrigger-devnet-genesis-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** What `outrigger deploy` records for the devnet's set; the L1 side itself is the integration test's. */
async function writeFakeDeployment(dir: string): Promise<Deployment> {
  const set = checkpointValidatorSet(await readValidatorsFile(join(dir, VALIDATORS_FILE)));
  const deployment: Deployment = {
    l1ChainId: 31337n,
    sidechainId: DEVNET_DEFAULTS.chainId,
    checkpointManager: `0x${"11".repeat(20)}`,
    bridge: `0x${"22".repeat(20)}`,
    deploymentBlock: 1,
    initialValidatorSetHash: hashValidatorSet(set),
    deployer: `0x${"44".repeat(20)}`,
    admin: `0x${"44".repeat(20)}`,
    guardian: `0x${"44".repeat(20)}`,
    validators: set,
  };
  await writeFile(join(dir, DEPLOYMENT_FILE), serializeDeployment(deployment));
  return deployment;
}

describe("the devnet's validators file", () => {
  it("lists each devnet key with its home's peer id, the devnet stake and its p2p port (0: picked at start)", async (t) => {
    const dir = await tempDir(t);
    for (const base of [0, 26656]) {
      const file = await writeDevnetValidatorsFile(dir, { validators: 3, p2pBasePort: base });
      const parsed = await readValidatorsFile(file);
      assert.equal(parsed.length, 3);
      for (const [i, v] of parsed.entries()) {
        const peerId = peerIdOf(await loadOrCreatePeerKey(devnetHome(dir, i)));
        assert.equal(v.address, privateKeyToAddress(devValidatorKey(i)));
        assert.equal(v.stake, DEVNET_DEFAULTS.validatorStake);
        assert.equal(v.peerId, peerId);
        assert.equal(v.p2pAddress, `/ip4/127.0.0.1/tcp/${base === 0 ? 0 : base + i}/p2p/${peerId}`);
        assert.equal(v.name, `validator-${i}`);
      }
    }
  });
});

describe("the devnet's genesis", () => {
  it("is the genesis command's, the same as a devnet-style createNetwork genesis, copied to every home", async (t) => {
    const dir = await tempDir(t);
    await writeDevnetValidatorsFile(dir, { validators: 2, p2pBasePort: 0 });
    const deployment = await writeFakeDeployment(dir);
    const layout = await writeDevnetGenesis(dir, {
      validators: 2,
      ports: { p2p: undefined, rpc: undefined },
      l1RpcUrl: "http://127.0.0.1:8545",
    });
    const written = await readFile(join(dir, "genesis.json"), "utf8");
    assert.equal(genesisHash(parseGenesis(JSON.parse(written))), genesisHash(layout.genesis));
    for (const i of [0, 1]) {
      assert.equal(await readFile(join(devnetHome(dir, i), "genesis.json"), "utf8"), written);
      assert.match(await readFile(join(devnetHome(dir, i), "config.toml"), "utf8"), /8545/);
    }
    const other = await tempDir(t);
    const reference = await createNetwork({
      dir: other,
      validators: 2,
      genesisTime: layout.genesis.genesisTime,
      l1: l1FromDeployment(deployment, 0),
    });
    assert.equal(genesisHash(layout.genesis), genesisHash(reference.genesis));
  });

  it("refuses a deployment made for another validator set", async (t) => {
    const dir = await tempDir(t);
    await writeDevnetValidatorsFile(dir, { validators: 1, p2pBasePort: 0 });
    await writeFakeDeployment(dir);
    await writeDevnetValidatorsFile(dir, { validators: 2, p2pBasePort: 0 });
    await assert.rejects(
      writeDevnetGenesis(dir, {
        validators: 2,
        ports: { p2p: undefined, rpc: undefined },
        l1RpcUrl: "http://127.0.0.1:8545",
      }),
      /not the set the contracts were deployed for/,
    );
  });
});
