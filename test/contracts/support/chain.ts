import { BrowserProvider, type JsonRpcSigner } from "ethers";
import hre from "hardhat";

/** Below the 2^24 per-transaction cap of the osaka hardfork. */
const TEST_GAS_LIMIT = 15_000_000n;

/**
 * hardhat's in-process EVM behind an ethers provider. Tests isolate themselves with snapshots rather than
 * redeploying, which keeps the suite fast. Every transaction gets a fixed gas limit instead of an estimate: the
 * EVM behind hardhat 2.29 answers eth_estimateGas after evm_revert with a figure computed for the state before
 * the revert, which is then too low for the state the test actually built.
 */
class TestProvider extends BrowserProvider {
  override async estimateGas(): Promise<bigint> {
    return TEST_GAS_LIMIT;
  }
}

// ethers answers a repeated identical request from a 250 ms cache by default; a test reading state before and
// after a transaction must never get the "before" value twice.
export const provider = new TestProvider(hre.network.provider, undefined, { cacheTimeout: -1 });

export function signer(index: number): Promise<JsonRpcSigner> {
  return provider.getSigner(index);
}

export async function snapshot(): Promise<string> {
  return (await provider.send("evm_snapshot", [])) as string;
}

export async function revertTo(id: string): Promise<void> {
  const ok = (await provider.send("evm_revert", [id])) as boolean;
  if (!ok) throw new Error(`snapshot ${id} could not be restored`);
}

/** Moves the chain's clock forward and mines a block at the new time. */
export async function increaseTime(seconds: number): Promise<void> {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
}

/** Sets the timestamp of the next block (seconds). */
export async function setNextTimestamp(seconds: number): Promise<void> {
  await provider.send("evm_setNextBlockTimestamp", [seconds]);
}

export async function latestTimestamp(): Promise<number> {
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return block.timestamp;
}

export async function balanceOf(address: string): Promise<bigint> {
  return provider.getBalance(address);
}
