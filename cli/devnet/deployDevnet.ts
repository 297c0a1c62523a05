import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { deployContracts } from "../../contracts/deploy.ts";
import type { Deployment } from "../../contracts/deployment.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devAccountKey, devValidatorKey } from "../../genesis/devKeys.ts";
import type { GenesisJson } from "../../node/config/genesis.ts";
import { type Address, privateKeyToAddress } from "../../node/crypto/index.ts";
import { deployTestToken } from "./testToken.ts";

const TOKEN = 10n ** 18n;

export interface DevnetL1 {
  deployment: Deployment;
  /** The test ERC20, minted to every dev account. */
  testToken: Address;
  /** The genesis `l1` section for this deployment. */
  genesisL1: NonNullable<GenesisJson["l1"]>;
}

/**
 * Deploys the devnet's L1 side from dev account 0 (also admin and guardian): CheckpointManager for the first
 * `validators` devnet validator keys at the devnet stake, Bridge, and the test ERC20. The dev accounts
 * and their nonces are deterministic, so the addresses are the same on every fresh L1.
 */
export async function deployDevnetL1(
  l1Url: string,
  opts: { validators: number; outFile: string | null },
): Promise<DevnetL1> {
  const provider = new JsonRpcProvider(l1Url, undefined, { staticNetwork: true });
  try {
    const deployer = new NonceManager(new Wallet(devAccountKey(0), provider));
    const validators = Array.from({ length: opts.validators }, (_, i) => ({
      address: privateKeyToAddress(devValidatorKey(i)),
      power: DEVNET_DEFAULTS.validatorStake / TOKEN,
    })).sort((a, b) => (a.address < b.address ? -1 : 1));
    const admin = privateKeyToAddress(devAccountKey(0));
    const deployment = await deployContracts(deployer, {
      sidechainId: DEVNET_DEFAULTS.chainId,
      validators,
      admin,
      guardian: admin,
      outFile: opts.outFile,
    });
    const devAccounts = Array.from({ length: DEVNET_DEFAULTS.devAccounts }, (_, i) =>
      privateKeyToAddress(devAccountKey(i)),
    );
    const testToken = await deployTestToken(deployer, DEVNET_DEFAULTS.testToken, devAccounts);
    return { deployment, testToken, genesisL1: genesisL1Of(deployment) };
  } finally {
    provider.destroy();
  }
}

/** The genesis `l1` section for a devnet deployment. */
export function genesisL1Of(deployment: Deployment): DevnetL1["genesisL1"] {
  // Deposits count once final: the `finalized` tag (0), which the devnet's L1 reaches at once (no epochs).
  return {
    chainId: deployment.l1ChainId.toString(),
    checkpointManager: deployment.checkpointManager,
    bridge: deployment.bridge,
    deploymentBlock: deployment.deploymentBlock,
    confirmations: 0,
  };
}
