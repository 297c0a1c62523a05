import { Interface } from "ethers";
import {
  L1_BRIDGE_ABI,
  L1_BRIDGE_ERRORS,
  L1_ERC20_ABI,
  SIDECHAIN_BRIDGE_ABI,
  SIDECHAIN_TOKEN_ABI,
} from "../../node/types/abis.ts";

/**
 * The shared ABIs plus the custom errors a deposit or an exit can revert with, so ethers decodes a failed
 * estimate into `AlreadyExited(7)` instead of opaque revert data.
 */
/** A deposit's transferFrom reverts with the token's own errors; these are OpenZeppelin ERC20's. */
const TOKEN_ERRORS = [
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
] as const;

export const l1BridgeInterface = new Interface([...L1_BRIDGE_ABI, ...L1_BRIDGE_ERRORS, ...TOKEN_ERRORS]);
export const l1TokenInterface = new Interface([...L1_ERC20_ABI]);
export const sidechainBridgeInterface = new Interface([...SIDECHAIN_BRIDGE_ABI]);
export const sidechainTokenInterface = new Interface([...SIDECHAIN_TOKEN_ABI]);
