import { type Common, createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";

/**
 * The EVM's rules: Prague, the newest hardfork live on Ethereum that @ethereumjs/evm 10 runs, so contracts built
 * for Ethereum today (PUSH0, MCOPY, transient storage, EIP-6780's SELFDESTRUCT) behave as they do there.
 */
export function createChainCommon(chainId: bigint): Common {
  // Common copies its config through JSON, which cannot hold a bigint; genesis bounds the id to a safe integer.
  return createCustomCommon({ chainId: Number(chainId) }, Mainnet, { hardfork: Hardfork.Prague });
}
