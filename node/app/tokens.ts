import type { Address, Hex } from "../crypto/index.ts";
import type { Log } from "../types/index.ts";
import { encodeLog, erc20Interface } from "./abi.ts";
import { ZERO_ADDRESS } from "./addresses.ts";
import { decodeCall } from "./calldata.ts";
import { Revert, unknownFunction } from "./revert.ts";
import type { LedgerState, TokenInfo } from "./state.ts";

/** ERC20 Transfer from the token's address; mints come from and burns go to the zero address. */
export function transferLog(token: Address, from: Address, to: Address, amount: bigint): Log {
  return { address: token, ...encodeLog(erc20Interface, "Transfer", [from, to, amount]) };
}

/** A call to a token contract: transfer, or one of the ERC20 views. */
export function tokenCall(
  state: LedgerState,
  token: TokenInfo,
  from: Address,
  data: Hex,
): { returnData: Hex; logs: Log[] } {
  const call = decodeCall(erc20Interface, data);
  const encode = (values: unknown[]): Hex =>
    erc20Interface.encodeFunctionResult(call.name, values).toLowerCase() as Hex;
  switch (call.name) {
    case "transfer": {
      const to = (call.args[0] as string).toLowerCase() as Address;
      const amount = call.args[1] as bigint;
      const logs = [transferToken(state, token.address, from, to, amount)];
      return { returnData: encode([true]), logs };
    }
    case "balanceOf":
      return {
        returnData: encode([
          state.tokenBalance(token.address, (call.args[0] as string).toLowerCase() as Address),
        ]),
        logs: [],
      };
    case "totalSupply":
      return { returnData: encode([token.totalSupply]), logs: [] };
    case "name":
      return { returnData: encode([token.name]), logs: [] };
    case "symbol":
      return { returnData: encode([token.symbol]), logs: [] };
    case "decimals":
      return { returnData: encode([token.decimals]), logs: [] };
    default:
      throw unknownFunction();
  }
}

export function transferToken(
  state: LedgerState,
  token: Address,
  from: Address,
  to: Address,
  amount: bigint,
): Log {
  // OpenZeppelin's ERC20InvalidReceiver: tokens sent to the zero address would vanish without a burn record.
  if (to === ZERO_ADDRESS) throw new Revert("ERC20: transfer to the zero address");
  const held = state.tokenBalance(token, from);
  if (held < amount) throw new Revert("ERC20: transfer amount exceeds balance");
  state.setTokenBalance(token, from, held - amount);
  state.setTokenBalance(token, to, state.tokenBalance(token, to) + amount);
  return transferLog(token, from, to, amount);
}

export function mintToken(state: LedgerState, token: TokenInfo, to: Address, amount: bigint): Log {
  state.tokens.set(token.address, { ...token, totalSupply: token.totalSupply + amount });
  state.setTokenBalance(token.address, to, state.tokenBalance(token.address, to) + amount);
  return transferLog(token.address, ZERO_ADDRESS, to, amount);
}

export function burnToken(state: LedgerState, token: TokenInfo, from: Address, amount: bigint): Log {
  const held = state.tokenBalance(token.address, from);
  if (held < amount) throw new Revert("ERC20: burn amount exceeds balance");
  state.setTokenBalance(token.address, from, held - amount);
  state.tokens.set(token.address, { ...token, totalSupply: token.totalSupply - amount });
  return transferLog(token.address, from, ZERO_ADDRESS, amount);
}
