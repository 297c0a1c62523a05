import { getCreateAddress, Interface } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { UnsignedTx } from "./transfers.ts";

/** TestToken's constructor (contracts/test/TestToken.sol): name, symbol, decimals. */
export const TEST_TOKEN_ARGS = ["Bench ERC20", "BERC", 18] as const;

/** Creating TestToken costs about 1.2M gas (mostly its code's 200 gas a byte); the rest is returned. */
const DEPLOY_GAS_LIMIT = 3_000_000n;
/** mint() to an account holding none costs about 70,000 gas; metered, so the spare is never charged. */
const MINT_GAS_LIMIT = 150_000n;

const mintInterface = new Interface(["function mint(address to, uint256 amount)"]);

/** The creation of TestToken (needs `npm run compile:contracts`): its initcode and constructor arguments. */
export async function testTokenDeployment(): Promise<UnsignedTx> {
  const artifact = await loadArtifact("TestToken", { source: "test/TestToken" });
  // encodeDeploy checks the arguments against the artifact's constructor.
  const args = new Interface(artifact.abi).encodeDeploy([...TEST_TOKEN_ARGS]);
  return {
    to: null,
    value: 0n,
    data: `${artifact.bytecode}${args.slice(2)}` as Hex,
    gasLimit: DEPLOY_GAS_LIMIT,
  };
}

/** Where `deployer`'s creation with `nonce` puts the contract (CREATE: keccak256(rlp([sender, nonce])) ). */
export function createdAddress(deployer: Address, nonce: bigint): Address {
  return getCreateAddress({ from: deployer, nonce }).toLowerCase() as Address;
}

/** TestToken's free mint(to, amount): how the bench funds its senders with the token. */
export function mintCall(token: Address, to: Address, amount: bigint): UnsignedTx {
  return {
    to: token,
    value: 0n,
    data: mintInterface.encodeFunctionData("mint", [to, amount]) as Hex,
    gasLimit: MINT_GAS_LIMIT,
  };
}
