import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { UsageError } from "../../cli/format/errors.ts";
import { type NetworkGenesisFlags, runGenesisCommand, runNetworkGenesis } from "../../cli/genesisCommand.ts";
import { type Deployment, serializeDeployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devAccountKey, devValidatorKey } from "../../genesis/devKeys.ts";
import { createNetwork } from "../../genesis/network.ts";
import {
  buildNetworkGenesis,
  checkDeploymentMatches,
  DEVNET_PARAMS,
  genesisFileText,
  l1FromDeployment,
  NETWORK_DEFAULTS,
  NetworkGenesisError,
  parseAllocFile,
} from "../../genesis/networkGenesis.ts";
import {
  checkpointValidatorSet,
  type NetworkValidator,
  ValidatorsFileError,
} from "../../genesis/validatorsFile.ts";
import { genesisHash, genesisToJson, parseGenesis } from "../../node/config/genesis.ts";
import { type Address, hashValidatorSet, privateKeyToAddress } from "../../node/crypto/index.ts";

const TOKEN = 10n ** 18n;
const peers = await Promise.all(
  [0, 1, 2, 3].map(async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()),
);

function validator(i: number, power = 1000n): NetworkValidator {
  return {
    address: privateKeyToAddress(devValidatorKey(i)),
    stake: power * TOKEN,
    power,
    peerId: peers[i] as string,
    p2pAddress: `/ip4/10.0.0.${i}/tcp/26656/p2p/${peers[i]}`,
    name: `validator-${i}`,
  };
}

const validators = [0, 1, 2, 3].map((i) => validator(i));
const devAccounts = Array.from({ length: DEVNET_DEFAULTS.devAccounts }, (_, i) =>
  privateKeyToAddress(devAccountKey(i)),
);

function deploymentFor(set: readonly NetworkValidator[], extra: Partial<Deployment> = {}): Deployment {
  const checkpointSet = checkpointValidatorSet(set);
  return {
    l1ChainId: 11155111n,
    sidechainId: 4242n,
    checkpointManager: `0x${"11".repeat(20)}`,
    bridge: `0x${"22".repeat(20)}`,
    deploymentBlock: 77,
    initialValidatorSetHash: hashValidatorSet(checkpointSet),
    deployer: `0x${"44".repeat(20)}`,
    admin: `0x${"55".repeat(20)}`,
    guardian: `0x${"66".repeat(20)}`,
    validators: checkpointSet,
    ...extra,
  };
}

describe("a real network's genesis", () => {
  it("holds the validators' stakes and the L1 section, and no dev account or dev token", () => {
    const deployment = deploymentFor(validators);
    const genesis = buildNetworkGenesis({
      chainId: 4242n,
      validators,
      l1: l1FromDeployment(deployment, 12),
      dev: false,
      genesisTime: 1_700_000_000_000,
    });
    assert.deepEqual(
      genesis.validators,
      validators.map((v) => ({ address: v.address, stake: v.stake, name: v.name })),
    );
    assert.deepEqual(genesis.alloc, []);
    assert.deepEqual(genesis.nativeTokens, []);
    assert.deepEqual([genesis.gasGrant, genesis.gasPool], [undefined, undefined], "no gas pool unless dev");
    assert.deepEqual(genesis.l1, {
      chainId: 11155111n,
      checkpointManager: deployment.checkpointManager,
      bridge: deployment.bridge,
      deploymentBlock: 77,
      confirmations: 12,
    });
    assert.equal(genesis.chainId, 4242n);
    assert.equal(genesis.genesisTime, 1_700_000_000_000);
    assert.equal(genesis.epochLength, NETWORK_DEFAULTS.epochLength);
    assert.deepEqual(genesis.timeouts, NETWORK_DEFAULTS.timeouts);
    const text = genesisFileText(genesis);
    assert.equal(
      genesisHash(parseGenesis(JSON.parse(text))),
      genesisHash(genesis),
      "the file reads back the same",
    );
    for (const a of devAccounts) assert.ok(!text.includes(a), `dev account ${a} is not in the genesis`);
  });

  it("adds an alloc, and params override the defaults field by field", () => {
    const genesis = buildNetworkGenesis({
      chainId: 5n,
      validators: [validator(0)],
      l1: null,
      dev: false,
      alloc: [{ address: `0x${"ab".repeat(20)}`, balance: 5n }],
      genesisTime: 1,
      params: { epochLength: 7, unbondingEpochs: undefined },
    });
    assert.deepEqual(genesis.alloc, [{ address: `0x${"ab".repeat(20)}`, balance: 5n }]);
    assert.equal(genesis.epochLength, 7);
    assert.equal(genesis.unbondingEpochs, NETWORK_DEFAULTS.unbondingEpochs);
  });

  it("with dev, is exactly the devnet's genesis for the same validators", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-netgen-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const l1 = l1FromDeployment(deploymentFor(validators.slice(0, 2)), 0);
    const devnet = await createNetwork({ dir, validators: 2, genesisTime: 123, l1 });
    const d = DEVNET_DEFAULTS;
    const genesis = buildNetworkGenesis({
      chainId: d.chainId,
      validators: validators.slice(0, 2).map((v) => ({ ...v, stake: d.validatorStake })),
      l1,
      dev: true,
      genesisTime: 123,
      params: DEVNET_PARAMS,
    });
    assert.deepEqual(genesisToJson(genesis), genesisToJson(devnet.genesis));
    assert.equal(genesisHash(genesis), genesisHash(devnet.genesis));
    // The devnet funds a gas pool for bridged users: 0.01 native each from 1,000.
    assert.deepEqual([devnet.genesis.gasGrant, devnet.genesis.gasPool], [10n ** 16n, 1_000n * 10n ** 18n]);
  });

  it("refuses what a node would refuse: an alloc on a system address, a doubled alloc", () => {
    const base = { chainId: 5n, validators: [validator(0)], l1: null, dev: false, genesisTime: 1 };
    assert.throws(
      () =>
        buildNetworkGenesis({
          ...base,
          alloc: [
            { address: `0x${"ab".repeat(20)}`, balance: 1n },
            { address: `0x${"ab".repeat(20)}`, balance: 2n },
          ],
        }),
      (err: unknown) => err instanceof NetworkGenesisError && /listed twice|twice/.test(err.message),
    );
    // --dev funds the dev accounts: an alloc for one of them collides.
    assert.throws(
      () =>
        buildNetworkGenesis({
          ...base,
          dev: true,
          alloc: [{ address: devAccounts[0] as Address, balance: 1n }],
        }),
      NetworkGenesisError,
    );
  });

  it("refuses a deployment made for another chain id or another validator set, naming the difference", () => {
    assert.doesNotThrow(() => checkDeploymentMatches(deploymentFor(validators), validators, 4242n));
    assert.throws(
      () => checkDeploymentMatches(deploymentFor(validators), validators, 4243n),
      /deployed for sidechain id 4242, not chain id 4243/,
    );
    const other = [validator(0), validator(1), validator(2), validator(3, 999n)];
    assert.throws(
      () => checkDeploymentMatches(deploymentFor(validators), other, 4242n),
      new RegExp(
        `not the set the contracts were deployed for: ${validators[3]?.address} has power 999 in the file, 1000 in the deployment`,
      ),
    );
    assert.throws(
      () => checkDeploymentMatches(deploymentFor(validators), validators.slice(0, 3), 4242n),
      new RegExp(`${validators[3]?.address} is missing from the file`),
    );
    assert.throws(
      () => checkDeploymentMatches(deploymentFor(validators.slice(0, 3)), validators, 4242n),
      new RegExp(`${validators[3]?.address} is not in the deployment`),
    );
    // A record without the list (written before it was kept) is still checked through the set hash.
    const { validators: _omitted, ...older } = deploymentFor(validators);
    assert.throws(
      () => checkDeploymentMatches(older, other, 4242n),
      /set hash 0x[0-9a-f]{64} is not the deployment's initialValidatorSetHash/,
    );
  });

  it("parses an alloc file and names a bad entry", () => {
    const upper = "0xAbcdef0000000000000000000000000000000000";
    assert.throws(
      () => parseAllocFile(JSON.stringify([{ address: upper, balance: "1" }]), "alloc.json"),
      /alloc\.json: entry 0: address: .* wrong EIP-55 checksum/,
    );
    assert.deepEqual(
      parseAllocFile(JSON.stringify([{ address: `0x${"ab".repeat(20)}`, balance: "10" }]), "alloc.json"),
      [{ address: `0x${"ab".repeat(20)}`, balance: 10n }],
    );
    assert.throws(
      () => parseAllocFile(JSON.stringify([{ address: `0x${"ab".repeat(20)}`, balance: 10 }]), "alloc.json"),
      (err: unknown) =>
        err instanceof ValidatorsFileError && /^alloc\.json: entry 0: balance: /.test(err.message),
    );
  });
});

describe("outrigger genesis --validators-file", () => {
  async function setup(t: { after: (fn: () => Promise<unknown>) => void }) {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-netgen-cli-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "validators.json");
    await writeFile(
      file,
      JSON.stringify(
        validators.map((v) => ({
          address: v.address,
          power: Number(v.power),
          peerId: v.peerId,
          p2pAddress: v.p2pAddress,
        })),
      ),
    );
    const deployment = join(dir, "deployment.json");
    await writeFile(deployment, serializeDeployment(deploymentFor(validators)));
    let text = "";
    const io = {
      out: {
        write: (s: string) => {
          text += s;
        },
        isTTY: false,
      },
      chainIdGiven: false,
      now: () => 99,
    };
    const flags: NetworkGenesisFlags = {
      validatorsFile: file,
      out: join(dir, "out", "genesis.json"),
      chainId: 7447n,
      deployment,
      depositConfirmations: 0,
      dev: false,
      force: false,
      json: false,
    };
    return { dir, flags, io, text: () => text };
  }

  it("takes the chain id from the deployment and writes the genesis", async (t) => {
    const { flags, io, text } = await setup(t);
    await runNetworkGenesis(flags, io);
    const genesis = parseGenesis(JSON.parse(await readFile(flags.out, "utf8")));
    assert.equal(genesis.chainId, 4242n);
    assert.equal(genesis.genesisTime, 99);
    assert.equal(genesis.l1?.checkpointManager, `0x${"11".repeat(20)}`);
    assert.deepEqual(genesis.alloc, []);
    assert.match(text(), new RegExp(`genesis hash ${genesisHash(genesis)}`));
    await assert.rejects(runNetworkGenesis(flags, io), /already exists; pass --force/);
    await runNetworkGenesis(
      { ...flags, force: true, json: true, dev: true, params: DEVNET_PARAMS, epochLength: 5 },
      io,
    );
    const dev = parseGenesis(JSON.parse(await readFile(flags.out, "utf8")));
    assert.deepEqual(dev.timeouts, DEVNET_PARAMS.timeouts);
    assert.equal(dev.epochLength, 5, "--epoch-length wins over the caller's params");
    assert.equal(dev.alloc.length, DEVNET_DEFAULTS.devAccounts + validators.length);
  });

  it("refuses a --chain-id other than the deployment's and a set other than the deployment's", async (t) => {
    const { dir, flags, io } = await setup(t);
    await assert.rejects(
      runNetworkGenesis({ ...flags, chainId: 7447n }, { ...io, chainIdGiven: true }),
      /not chain id 7447/,
    );
    const fewer = join(dir, "fewer.json");
    const list = JSON.parse(await readFile(flags.validatorsFile, "utf8")) as unknown[];
    await writeFile(fewer, JSON.stringify(list.slice(0, 3)));
    await assert.rejects(
      runNetworkGenesis({ ...flags, validatorsFile: fewer }, io),
      /is missing from the file/,
    );
    await assert.rejects(readFile(flags.out), /ENOENT/, "nothing was written");
  });

  it("needs the L1 contracts from a deployment or all four flags, and --chain-id without a deployment", async (t) => {
    const { flags, io } = await setup(t);
    await assert.rejects(runNetworkGenesis({ ...flags, bridge: `0x${"22".repeat(20)}` }, io), UsageError);
    await assert.rejects(
      runNetworkGenesis({ ...flags, deployment: undefined, bridge: `0x${"22".repeat(20)}` }, io),
      UsageError,
    );
    const explicit = {
      ...flags,
      deployment: undefined,
      l1ChainId: 5n,
      checkpointManager: `0x${"11".repeat(20)}` as Address,
      bridge: `0x${"22".repeat(20)}` as Address,
      deploymentBlock: 3,
    };
    await assert.rejects(runNetworkGenesis(explicit, io), /--chain-id is needed without --deployment/);
    await runNetworkGenesis({ ...explicit, chainId: 9n }, { ...io, chainIdGiven: true });
    const genesis = parseGenesis(JSON.parse(await readFile(flags.out, "utf8")));
    assert.deepEqual([genesis.chainId, genesis.l1?.chainId, genesis.l1?.deploymentBlock], [9n, 5n, 3]);
  });

  it("keeps devnet flags and real-network flags apart", async () => {
    const devnetFlags = {
      out: "x",
      validators: 4,
      chainId: 7447n,
      p2pBasePort: 1,
      rpcBasePort: 2,
      encrypt: false,
    };
    await assert.rejects(
      runGenesisCommand({ ...devnetFlags, validatorsFile: "v.json" }, (f) =>
        f === "validators" ? "cli" : "default",
      ),
      (err: unknown) =>
        err instanceof UsageError && /^--validators is for the devnet's node homes/.test(err.message),
    );
    await assert.rejects(
      runGenesisCommand({ ...devnetFlags, dev: true }, (f) => (f === "dev" ? "cli" : "default")),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message === "--dev needs --validators-file (a real network's genesis)",
    );
  });
});
