import { Interface } from "ethers";
import {
  L1_BRIDGE_ABI,
  L1_ERC20_ABI,
  SIDECHAIN_BRIDGE_ABI,
  SIDECHAIN_TOKEN_ABI,
} from "../../node/types/abis.ts";

/**
 * The shared ABIs plus the custom errors the L1 Bridge (and the OpenZeppelin code it calls) can revert with, so
 * ethers decodes a failed estimate into `AlreadyExited(7)` instead of opaque revert data. Kept here, not in the
 * shared file, because only the client reports reverts to people.
 */
const L1_BRIDGE_ERRORS = [
  "error ZeroAddress()",
  "error ZeroAmount()",
  "error UnknownCheckpoint(uint256 checkpointNumber)",
  "error EmptyWithdrawalsRoot(uint256 checkpointNumber)",
  "error InvalidWithdrawalProof(uint256 id)",
  "error AlreadyExited(uint256 id)",
  "error NotQueued(uint256 id)",
  "error ExitStillQueued(uint256 id, uint64 releaseAt)",
  "error EnforcedPause()",
  "error SafeERC20FailedOperation(address token)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
] as const;

export const l1BridgeInterface = new Interface([...L1_BRIDGE_ABI, ...L1_BRIDGE_ERRORS]);
export const l1TokenInterface = new Interface([...L1_ERC20_ABI]);
export const sidechainBridgeInterface = new Interface([...SIDECHAIN_BRIDGE_ABI]);
export const sidechainTokenInterface = new Interface([...SIDECHAIN_TOKEN_ABI]);
