import { HDNodeWallet, Mnemonic } from "ethers";
import type { Hex } from "../node/crypto/index.ts";

/**
 * The well-known development mnemonic (the one hardhat funds on its local chain), so devnet accounts hold ETH on
 * L1 and native tokens on the sidechain under the same keys. Never use these keys anywhere real.
 */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Dev accounts: m/44'/60'/0'/0/i, the ones hardhat funds on L1. */
export function devAccountKey(index: number): Hex {
  return deriveKey(`m/44'/60'/0'/0/${index}`);
}

/** The devnet relayer pays L1 gas from hardhat's last funded account, which no printed dev account shares. */
export const DEV_RELAYER_ACCOUNT = 19;

/** Devnet validator keys come from another branch so a validator never shares a key with a dev account. */
export function devValidatorKey(index: number): Hex {
  return deriveKey(`m/44'/60'/1'/0/${index}`);
}

function deriveKey(path: string): Hex {
  const wallet = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), path);
  return wallet.privateKey.toLowerCase() as Hex;
}
