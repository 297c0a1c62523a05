import type { Address, Hex } from "../crypto/index.ts";
import type { Log } from "../types/index.ts";
import { encodeLog, encodeResult, erc20Interface } from "./abi.ts";
import { ZERO_ADDRESS } from "./addresses.ts";
import { decodeCall } from "./calldata.ts";
import { unknownFunction } from "./revert.ts";
import type { LedgerState, TokenInfo } from "./state.ts";
import { tokenError, writeProtection } from "./tokenErrors.ts";
import { domainSeparator, eip712DomainFields, permitDigest, permitSigner } from "./tokenPermit.ts";

/** What a token call needs from the block and the call frame beyond the ledger. */
export interface TokenCallContext {
  chainId: bigint;
  /** The block timestamp in seconds, which permit deadlines are checked against. */
  time: bigint;
  /** The call came through STATICCALL: writes fail the frame, views still answer. */
  readOnly: boolean;
}

const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * Gas beyond the 21,000 intrinsic, fixed per function whatever the outcome so eth_estimateGas is exact: about
 * what the same call costs an OpenZeppelin 5 ERC20Permit on Ethereum (cold slots, EIP-2929), less the intrinsic.
 */
const TOKEN_CALL_GAS = {
  view: 2_600n,
  transfer: 30_000n,
  approve: 25_000n,
  transferFrom: 36_000n,
  permit: 40_000n,
} as const;

const GAS_BY_SELECTOR = new Map<string, bigint>(
  (["transfer", "approve", "transferFrom", "permit"] as const).map((name) => [
    erc20Interface.getFunction(name)?.selector ?? "",
    TOKEN_CALL_GAS[name],
  ]),
);

/** The gas of a token call beyond the intrinsic 21,000; views and unknown selectors cost a cold access. */
export function tokenCallGas(data: Hex): bigint {
  return GAS_BY_SELECTOR.get(data.slice(0, 10).toLowerCase()) ?? TOKEN_CALL_GAS.view;
}

/** ERC20 Transfer from the token's address; mints come from and burns go to the zero address. */
export function transferLog(token: Address, from: Address, to: Address, amount: bigint): Log {
  return { address: token, ...encodeLog(erc20Interface, "Transfer", [from, to, amount]) };
}

export function approvalLog(token: Address, owner: Address, spender: Address, value: bigint): Log {
  return { address: token, ...encodeLog(erc20Interface, "Approval", [owner, spender, value]) };
}

/** Runs before a function's first write; under STATICCALL it fails the call there, as the EVM's SSTORE would. */
type BeforeWrite = () => void;

const WRITABLE: BeforeWrite = () => {};
const READ_ONLY: BeforeWrite = () => {
  throw writeProtection();
};

const lower = (value: unknown): Address => (value as string).toLowerCase() as Address;

/**
 * A call to a token contract: ERC20 and EIP-2612 permit with OpenZeppelin 5's semantics and errors. It writes to
 * `state` as it goes; a caller runs it on an overlay it drops when the call throws a Revert.
 */
export function tokenCall(
  state: LedgerState,
  token: TokenInfo,
  caller: Address,
  data: Hex,
  ctx: TokenCallContext,
): { returnData: Hex; logs: Log[] } {
  const call = decodeCall(erc20Interface, data);
  const args = call.args;
  const beforeWrite = ctx.readOnly ? READ_ONLY : WRITABLE;
  const result = (values: unknown[], logs: Log[] = []) => ({
    returnData: encodeResult(erc20Interface, call.name, values),
    logs,
  });
  switch (call.name) {
    case "transfer":
      return result(
        [true],
        [move(state, token.address, caller, lower(args[0]), args[1] as bigint, beforeWrite)],
      );
    case "approve":
      return result(
        [true],
        [approve(state, token.address, caller, lower(args[0]), args[1] as bigint, beforeWrite)],
      );
    case "transferFrom": {
      const from = lower(args[0]);
      const value = args[2] as bigint;
      spendAllowance(state, token.address, from, caller, value, beforeWrite);
      return result([true], [move(state, token.address, from, lower(args[1]), value, beforeWrite)]);
    }
    case "permit":
      return result([], [permit(state, token, args, ctx, beforeWrite)]);
    case "allowance":
      return result([state.allowance(token.address, lower(args[0]), lower(args[1]))]);
    case "nonces":
      return result([state.permitNonce(token.address, lower(args[0]))]);
    case "DOMAIN_SEPARATOR":
      return result([domainSeparator(token, ctx.chainId)]);
    case "eip712Domain":
      return result(eip712DomainFields(token, ctx.chainId));
    case "balanceOf":
      return result([state.tokenBalance(token.address, lower(args[0]))]);
    case "totalSupply":
      return result([token.totalSupply]);
    case "name":
      return result([token.name]);
    case "symbol":
      return result([token.symbol]);
    case "decimals":
      return result([token.decimals]);
    default:
      throw unknownFunction();
  }
}

/** OpenZeppelin's _transfer: moves tokens between two holders, neither of them the zero address. */
export function transferToken(
  state: LedgerState,
  token: Address,
  from: Address,
  to: Address,
  amount: bigint,
): Log {
  return move(state, token, from, to, amount, WRITABLE);
}

/**
 * Mints without OpenZeppelin's zero-receiver check: a deposit L1 has confirmed is credited to whatever recipient
 * it names, the zero address included (deposits.ts), since refusing it would strand the locked funds on L1.
 */
export function mintToken(state: LedgerState, token: TokenInfo, to: Address, amount: bigint): Log {
  state.tokens.set(token.address, { ...token, totalSupply: token.totalSupply + amount });
  state.setTokenBalance(token.address, to, state.tokenBalance(token.address, to) + amount);
  return transferLog(token.address, ZERO_ADDRESS, to, amount);
}

/** OpenZeppelin's _burn. */
export function burnToken(state: LedgerState, token: TokenInfo, from: Address, amount: bigint): Log {
  if (from === ZERO_ADDRESS) throw tokenError("ERC20InvalidSender", ZERO_ADDRESS);
  const held = state.tokenBalance(token.address, from);
  if (held < amount) throw tokenError("ERC20InsufficientBalance", from, held, amount);
  state.setTokenBalance(token.address, from, held - amount);
  state.tokens.set(token.address, { ...token, totalSupply: token.totalSupply - amount });
  return transferLog(token.address, from, ZERO_ADDRESS, amount);
}

function move(
  state: LedgerState,
  token: Address,
  from: Address,
  to: Address,
  amount: bigint,
  beforeWrite: BeforeWrite,
): Log {
  if (from === ZERO_ADDRESS) throw tokenError("ERC20InvalidSender", ZERO_ADDRESS);
  // Tokens sent to the zero address would vanish without a burn record.
  if (to === ZERO_ADDRESS) throw tokenError("ERC20InvalidReceiver", ZERO_ADDRESS);
  const held = state.tokenBalance(token, from);
  if (held < amount) throw tokenError("ERC20InsufficientBalance", from, held, amount);
  beforeWrite();
  state.setTokenBalance(token, from, held - amount);
  state.setTokenBalance(token, to, state.tokenBalance(token, to) + amount);
  return transferLog(token, from, to, amount);
}

/** OpenZeppelin's _approve; an allowance spent by transferFrom is set without an Approval log, as OZ 5 does. */
function setAllowance(
  state: LedgerState,
  token: Address,
  owner: Address,
  spender: Address,
  value: bigint,
  beforeWrite: BeforeWrite,
): void {
  if (owner === ZERO_ADDRESS) throw tokenError("ERC20InvalidApprover", ZERO_ADDRESS);
  if (spender === ZERO_ADDRESS) throw tokenError("ERC20InvalidSpender", ZERO_ADDRESS);
  beforeWrite();
  state.setAllowance(token, owner, spender, value);
}

function approve(
  state: LedgerState,
  token: Address,
  owner: Address,
  spender: Address,
  value: bigint,
  beforeWrite: BeforeWrite,
): Log {
  setAllowance(state, token, owner, spender, value, beforeWrite);
  return approvalLog(token, owner, spender, value);
}

/** OpenZeppelin's _spendAllowance: the maximum allowance is infinite and never decreases. */
function spendAllowance(
  state: LedgerState,
  token: Address,
  owner: Address,
  spender: Address,
  value: bigint,
  beforeWrite: BeforeWrite,
): void {
  const current = state.allowance(token, owner, spender);
  if (current === MAX_UINT256) return;
  if (current < value) throw tokenError("ERC20InsufficientAllowance", spender, current, value);
  setAllowance(state, token, owner, spender, current - value, beforeWrite);
}

/** OpenZeppelin's ERC20Permit.permit, in its order: deadline, nonce use, signature recovery, approval. */
function permit(
  state: LedgerState,
  token: TokenInfo,
  args: readonly unknown[],
  ctx: TokenCallContext,
  beforeWrite: BeforeWrite,
): Log {
  const [owner, spender] = [lower(args[0]), lower(args[1])];
  const [value, deadline, v] = [args[2] as bigint, args[3] as bigint, args[4] as bigint];
  const [r, s] = [lower(args[5]), lower(args[6])];
  if (ctx.time > deadline) throw tokenError("ERC2612ExpiredSignature", deadline);
  const nonce = state.permitNonce(token.address, owner);
  beforeWrite();
  state.setPermitNonce(token.address, owner, nonce + 1n);
  const digest = permitDigest(token, ctx.chainId, { owner, spender, value, nonce, deadline });
  const signer = permitSigner(digest, v, r, s);
  if (signer !== owner) throw tokenError("ERC2612InvalidSigner", signer, owner);
  return approve(state, token.address, owner, spender, value, beforeWrite);
}
