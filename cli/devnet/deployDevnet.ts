import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import type { Deployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devAccountKey, devValidatorKey } from "../../genesis/devKeys.ts";
import { l1FromDeployment } from "../../genesis/networkGenesis.ts";
import type { GenesisJson } from "../../node/config/genesis.ts";
import { type Address, privateKeyToAddress } from "../../node/crypto/index.ts";
import { loadOrCreatePeerKey, peerIdOf } from "../../node/p2p/peerKey.ts";
import type { Output } from "../format/output.ts";
import { runDeploy } from "../run/deploy.ts";
import { deployTestToken } from "./testToken.ts";

/** The devnet's setup files, in the devnet folder: what an operator would hand to `deploy` and `genesis`. */
export const VALIDATORS_FILE = "validators.json";
export const DEPLOYER_KEY_FILE = "deployer.key";
export const DEPLOYMENT_FILE = "deployment.json";

/** The devnet's L1 chain id: anvil's and hardhat's default, which wallets know as a local network. */
export const DEVNET_L1_CHAIN_ID = 31337n;

export interface DevnetL1 {
  deployment: Deployment;
  /** The test ERC20, minted to every dev account. */
  testToken: Address;
  /** The genesis `l1` section for this deployment. */
  genesisL1: NonNullable<GenesisJson["l1"]>;
}

/** The devnet swallows the commands' own report: it prints its summary itself. */
export const QUIET: Output = { write: () => {}, isTTY: false };

/** Node i's home in a devnet folder. */
export function devnetHome(dir: string, i: number): string {
  return join(dir, `node${i}`);
}

/**
 * The validators file for the first `validators` devnet keys, as an operator writes one: each home gets its peer
 * key now, and its p2p address names the port it will listen on (0 where the node binds a free one at start).
 */
export async function writeDevnetValidatorsFile(
  dir: string,
  opts: { validators: number; p2pBasePort: number },
): Promise<string> {
  const entries = [];
  for (let i = 0; i < opts.validators; i++) {
    const home = devnetHome(dir, i);
    await mkdir(home, { recursive: true });
    const peerId = peerIdOf(await loadOrCreatePeerKey(home));
    const port = opts.p2pBasePort === 0 ? 0 : opts.p2pBasePort + i;
    entries.push({
      address: privateKeyToAddress(devValidatorKey(i)),
      stake: DEVNET_DEFAULTS.validatorStake.toString(),
      peerId,
      p2pAddress: `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`,
      name: `validator-${i}`,
    });
  }
  const file = join(dir, VALIDATORS_FILE);
  await writeFile(file, `${JSON.stringify(entries, null, 2)}\n`);
  return file;
}

/**
 * Deploys the devnet's L1 side the way an operator does, through `outrigger deploy`'s own code (which refuses an
 * L1 whose chain id is not 31337): CheckpointManager for the validators file written here and Bridge, from dev
 * account 0 (also admin and guardian), recorded in dir/deployment.json; then the test ERC20. The dev accounts and
 * their nonces are deterministic, so the addresses are the same on every fresh L1.
 */
export async function deployDevnetL1(
  l1Url: string,
  opts: { dir: string; validators: number; p2pBasePort?: number },
): Promise<DevnetL1> {
  const validatorsFile = await writeDevnetValidatorsFile(opts.dir, {
    validators: opts.validators,
    p2pBasePort: opts.p2pBasePort ?? 0,
  });
  const keyFile = join(opts.dir, DEPLOYER_KEY_FILE);
  await writeFile(keyFile, `${devAccountKey(0)}\n`, { mode: 0o600 });
  const deployment = await runDeploy(
    {
      l1Rpc: l1Url,
      l1ChainId: DEVNET_L1_CHAIN_ID,
      sidechainId: DEVNET_DEFAULTS.chainId,
      validators: validatorsFile,
      deployerKeyFile: keyFile,
      confirmations: 1,
      out: join(opts.dir, DEPLOYMENT_FILE),
      force: false,
      json: false,
    },
    { out: QUIET, warn: () => {}, env: {} },
  );
  const provider = new JsonRpcProvider(l1Url, undefined, { staticNetwork: true });
  try {
    const deployer = new NonceManager(new Wallet(devAccountKey(0), provider));
    const devAccounts = Array.from({ length: DEVNET_DEFAULTS.devAccounts }, (_, i) =>
      privateKeyToAddress(devAccountKey(i)),
    );
    const testToken = await deployTestToken(deployer, DEVNET_DEFAULTS.testToken, devAccounts);
    return { deployment, testToken, genesisL1: l1FromDeployment(deployment, 0) };
  } finally {
    provider.destroy();
  }
}
