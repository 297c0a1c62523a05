// Deploys an OpenZeppelin ERC20 (contracts/test/TestToken.sol) to the sidechain and moves some of it, with
// nothing but hardhat and ethers: `npx hardhat run --network outrigger contracts/scripts/deployToken.cjs`.
// OUTRIGGER_RPC_URL and OUTRIGGER_PRIVATE_KEY choose the node and the account (hardhat.config.cjs).
const hre = require("hardhat");
const { BrowserProvider, ContractFactory } = require("ethers");

async function main() {
  const signer = await new BrowserProvider(hre.network.provider).getSigner();
  const artifact = await hre.artifacts.readArtifact("TestToken");
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const token = await factory.deploy("Sidechain Token", "SCT", 18);
  await token.waitForDeployment();
  const minted = await (await token.mint(signer.address, 1_000n)).wait();
  const recipient = "0x000000000000000000000000000000000000dEaD";
  const sent = await (await token.transfer(recipient, 250n)).wait();
  const balance = await token.balanceOf(recipient);
  console.log(
    JSON.stringify({
      token: await token.getAddress(),
      deployer: signer.address,
      mintBlock: minted.blockNumber,
      transferTx: sent.hash,
      recipientBalance: balance.toString(),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
