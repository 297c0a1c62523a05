import { AbiCoder, Interface } from "ethers";
import type { Hex } from "../crypto/index.ts";

/** The system contracts' ABIs (DESIGN.md §4); clients use the same fragments with ethers. */
export const ERC20_ABI = [
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address owner) view returns (uint256)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
] as const;

export const BRIDGE_ABI = [
  "function withdraw(address l2Token, uint256 amount, address l1Recipient) returns (uint256 id)",
  "event WithdrawalInitiated(uint256 indexed id, address indexed l1Token, address indexed l1Recipient, uint256 amount, address from)",
  "event TokenCreated(address indexed l2Token, address indexed l1Token, string name, string symbol, uint8 decimals)",
] as const;

export const STAKING_ABI = [
  "function stake(uint256 amount)",
  "function unstake(uint256 amount)",
  "function withdrawUnbonded() returns (uint256 amount)",
  "function stakeOf(address validator) view returns (uint256)",
  "function unbondingOf(address validator) view returns (uint256 pending, uint256 withdrawable)",
  "event Staked(address indexed validator, uint256 amount, uint256 stake)",
  "event Unstaked(address indexed validator, uint256 amount, uint256 releaseEpoch)",
  "event UnbondedWithdrawn(address indexed validator, uint256 amount)",
] as const;

export const erc20Interface = new Interface(ERC20_ABI);
export const bridgeInterface = new Interface(BRIDGE_ABI);
export const stakingInterface = new Interface(STAKING_ABI);

const coder = AbiCoder.defaultAbiCoder();

/** Solidity's revert(string): Error(string) selector 0x08c379a0, which ethers decodes into a reason. */
export function revertData(reason: string): Hex {
  return `0x08c379a0${coder.encode(["string"], [reason]).slice(2)}`;
}

/** A log of one of our interfaces, with lowercase hex as our types require. */
export function encodeLog(
  iface: Interface,
  event: string,
  args: readonly unknown[],
): { topics: Hex[]; data: Hex } {
  const encoded = iface.encodeEventLog(event, args as unknown[]);
  return {
    topics: encoded.topics.map((t) => t.toLowerCase() as Hex),
    data: encoded.data.toLowerCase() as Hex,
  };
}
