import { Contract, ContractFactory, type Signer } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import type { Address } from "../../node/crypto/index.ts";
import { L1_ERC20_ABI } from "../../node/types/index.ts";

export interface TestTokenSpec {
  name: string;
  symbol: string;
  decimals: number;
  /** Minted to each dev account. */
  amount: bigint;
}

/** Deploys the devnet's L1 test ERC20 (contracts/test/TestToken.sol) and gives each dev account `amount`. */
export async function deployTestToken(
  signer: Signer,
  spec: TestTokenSpec,
  holders: readonly Address[],
): Promise<Address> {
  const artifact = await loadArtifact("TestToken", { source: "test/TestToken" });
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const deployed = await factory.deploy(spec.name, spec.symbol, spec.decimals);
  await deployed.waitForDeployment();
  const address = (await deployed.getAddress()).toLowerCase() as Address;
  const token = new Contract(address, [...L1_ERC20_ABI, "function mint(address to, uint256 amount)"], signer);
  for (const holder of holders) await (await token.getFunction("mint")(holder, spec.amount)).wait();
  return address;
}
