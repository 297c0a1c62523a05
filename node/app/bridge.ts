import type { Address, Hex } from "../crypto/index.ts";
import { type Log, MAX_TOKEN_NAME_BYTES, MAX_TOKEN_SYMBOL_BYTES } from "../types/index.ts";
import { bridgeInterface, encodeLog, encodeResult } from "./abi.ts";
import { BRIDGE_ADDRESS, bridgedTokenAddress, ZERO_ADDRESS } from "./addresses.ts";
import { decodeCall } from "./calldata.ts";
import { AppError } from "./errors.ts";
import { Revert, unknownFunction } from "./revert.ts";
import type { LedgerState, TokenInfo, WithdrawalRecord } from "./state.ts";
import { burnToken, mintToken } from "./tokens.ts";

/** A call to the bridge system contract: only `withdraw`. */
export function bridgeCall(
  state: LedgerState,
  from: Address,
  data: Hex,
  height: number,
  l1Bridge: Address | null,
): { returnData: Hex; logs: Log[]; withdrawal: WithdrawalRecord } {
  const call = decodeCall(bridgeInterface, data);
  if (call.name !== "withdraw") throw unknownFunction();
  const [l2Token, amount, l1Recipient] = call.args as [string, bigint, string];
  const result = withdraw(state, {
    from,
    l2Token: l2Token.toLowerCase() as Address,
    amount,
    l1Recipient: l1Recipient.toLowerCase() as Address,
    height,
    l1Bridge,
  });
  const returnData = encodeResult(bridgeInterface, "withdraw", [result.withdrawal.id]);
  return { returnData, ...result };
}

/** Burns a bridged token and records a withdrawal with the next sequential id (ids start at 0, like deposit nonces). */
export function withdraw(
  state: LedgerState,
  w: {
    from: Address;
    l2Token: Address;
    amount: bigint;
    l1Recipient: Address;
    height: number;
    l1Bridge: Address | null;
  },
): { logs: Log[]; withdrawal: WithdrawalRecord } {
  const token = state.tokens.get(w.l2Token);
  if (token === undefined) throw new Revert("bridge: unknown token");
  if (token.l1Token === null) throw new Revert("bridge: sidechain-native tokens cannot be withdrawn");
  if (w.amount === 0n) throw new Revert("bridge: amount is zero");
  // L1 would pay the zero address, which burns the funds for good.
  if (w.l1Recipient === ZERO_ADDRESS) throw new Revert("bridge: L1 recipient is the zero address");
  // The L1 bridge refuses to pay itself (Bridge.exit): the funds would stay burned here and locked there.
  if (w.l1Recipient === w.l1Bridge) throw new Revert("bridge: L1 recipient is the L1 bridge itself");
  const burn = burnToken(state, token, w.from, w.amount);
  const id = state.nextWithdrawalId();
  state.setNextWithdrawalId(id + 1n);
  const withdrawal: WithdrawalRecord = {
    id,
    l1Token: token.l1Token,
    l1Recipient: w.l1Recipient,
    amount: w.amount,
    height: w.height,
  };
  state.addWithdrawal(withdrawal);
  const initiated: Log = {
    address: BRIDGE_ADDRESS,
    ...encodeLog(bridgeInterface, "WithdrawalInitiated", [
      id,
      token.l1Token,
      w.l1Recipient,
      w.amount,
      w.from,
    ]),
  };
  return { logs: [burn, initiated], withdrawal };
}

export interface DepositCredit {
  l1Token: Address;
  to: Address;
  amount: bigint;
  /** Metadata read on L1 at deposit time; only the first deposit of a token uses it. */
  name: string;
  symbol: string;
  decimals: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function wellFormedUtf8Length(value: string): number | null {
  const bytes = utf8.encode(value);
  // Lone surrogates become U+FFFD when encoded, so a round trip that changes the string means it has one.
  return utf8Decoder.decode(bytes) === value ? bytes.length : null;
}

/**
 * Mints a bridged token for a confirmed L1 deposit, creating the sidechain token on its first deposit (DESIGN.md
 * §5). Deposit-claim execution (deposits.ts) replaces unusable metadata before calling, so malformed input here is
 * a programming error and throws.
 */
export function creditDeposit(state: LedgerState, d: DepositCredit): { token: TokenInfo; logs: Log[] } {
  if (d.amount < 0n) throw new AppError("invalid-call", "deposit amount is negative");
  const address = bridgedTokenAddress(d.l1Token);
  const logs: Log[] = [];
  let token = state.tokens.get(address);
  if (token === undefined) {
    checkMetadata(d);
    token = {
      address,
      l1Token: d.l1Token,
      name: d.name,
      symbol: d.symbol,
      decimals: d.decimals,
      totalSupply: 0n,
    };
    logs.push({
      address: BRIDGE_ADDRESS,
      ...encodeLog(bridgeInterface, "TokenCreated", [address, d.l1Token, d.name, d.symbol, d.decimals]),
    });
  }
  logs.push(mintToken(state, token, d.to, d.amount));
  return { token: state.tokens.get(address) as TokenInfo, logs };
}

function checkMetadata(d: DepositCredit): void {
  const problem = metadataProblem(d);
  if (problem !== null) throw new AppError("invalid-call", problem);
}

/** Why this metadata cannot name a new token (the state codec would refuse it), or null if it can. */
export function metadataProblem(m: Pick<DepositCredit, "name" | "symbol" | "decimals">): string | null {
  if (!Number.isInteger(m.decimals) || m.decimals < 0 || m.decimals > 255) {
    return `token decimals must be a uint8, got ${m.decimals}`;
  }
  const name = wellFormedUtf8Length(m.name);
  const symbol = wellFormedUtf8Length(m.symbol);
  if (name === null || symbol === null || name > MAX_TOKEN_NAME_BYTES || symbol > MAX_TOKEN_SYMBOL_BYTES) {
    return "token name or symbol is too long or not well-formed Unicode";
  }
  return null;
}
