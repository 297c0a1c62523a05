import { Contract, type Signer, type TransactionReceipt } from "ethers";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { l1BridgeInterface, l1TokenInterface } from "./abi.ts";
import { formatAmount, parseAmount } from "./amounts.ts";
import type { BridgeContext } from "./context.ts";
import { InsufficientBalanceError, InvalidInputError, TransactionFailedError } from "./errors.ts";
import { depositInReceipt } from "./locate.ts";
import {
  ETH_DECIMALS,
  ETH_L1_TOKEN,
  findBridgedToken,
  type TokenInfo,
  type TokenRef,
  tokenInfoOf,
} from "./tokens.ts";
import { sendAndWait } from "./transactions.ts";

export interface DepositRequest {
  token: TokenRef;
  /** Base units, or a decimal string in the token's units ("1.5"). */
  amount: bigint | string;
  /** The sidechain account to credit; the sender's own address by default. */
  to?: Address;
}

export interface DepositResult {
  l1TxHash: Hex;
  l1Block: number;
  nonce: bigint;
  token: TokenInfo;
  /** What the Bridge recorded, which for fee-on-transfer tokens is less than what was sent. */
  amount: bigint;
  to: Address;
  /** The approve transaction, when the allowance was short. */
  approveTxHash: Hex | null;
}

/** The L1 token a deposit names; an ERC20 never deposited before is read from L1 (it is not in the token map). */
export async function resolveDepositToken(ctx: BridgeContext, ref: TokenRef): Promise<TokenInfo> {
  const { tokens } = ctx.info;
  if (ref.kind === "eth") {
    const l2Token = tokens.find((t) => t.l1Token === ETH_L1_TOKEN)?.l2Token ?? null;
    return { l1Token: ETH_L1_TOKEN, l2Token, symbol: "ETH", decimals: ETH_DECIMALS };
  }
  if (ref.kind === "symbol") return tokenInfoOf(findBridgedToken(ref, tokens));
  const known = tokens.find((t) => t.l1Token === ref.address || t.l2Token === ref.address);
  if (known !== undefined) return tokenInfoOf(known);
  if ((await ctx.l1.getCode(ref.address)) === "0x") {
    throw new InvalidInputError(`there is no token contract at ${ref.address} on L1`);
  }
  const erc20 = new Contract(ref.address, l1TokenInterface, ctx.l1);
  try {
    const [decimals, symbol] = await Promise.all([
      erc20.getFunction("decimals")() as Promise<bigint>,
      erc20.getFunction("symbol")() as Promise<string>,
    ]);
    return { l1Token: ref.address, l2Token: null, symbol, decimals: Number(decimals) };
  } catch {
    throw new InvalidInputError(`${ref.address} on L1 does not answer decimals() and symbol() like an ERC20`);
  }
}

export async function deposit(
  ctx: BridgeContext,
  signer: Signer,
  req: DepositRequest,
): Promise<DepositResult> {
  const token = await resolveDepositToken(ctx, req.token);
  const amount = typeof req.amount === "bigint" ? req.amount : parseAmount(req.amount, token.decimals);
  if (amount <= 0n) throw new InvalidInputError("the amount must be more than zero");
  const sender = (await signer.getAddress()).toLowerCase() as Address;
  const to = req.to ?? sender;
  const bridge = new Contract(ctx.info.bridge, l1BridgeInterface, signer);
  const shown = (v: bigint) => `${formatAmount(v, token.decimals)} ${token.symbol}`;
  let approveTxHash: Hex | null = null;

  let receipt: TransactionReceipt;
  if (token.l1Token === ETH_L1_TOKEN) {
    const balance = await ctx.l1.getBalance(sender);
    if (balance < amount) {
      throw new InsufficientBalanceError(
        `${sender} has ${shown(balance)} on L1, cannot deposit ${shown(amount)}`,
      );
    }
    receipt = await sendAndWait("depositETH", () => bridge.getFunction("depositETH")(to, { value: amount }));
  } else {
    const erc20 = new Contract(token.l1Token, l1TokenInterface, signer);
    const balance = (await erc20.getFunction("balanceOf")(sender)) as bigint;
    if (balance < amount) {
      throw new InsufficientBalanceError(
        `${sender} has ${shown(balance)} on L1, cannot deposit ${shown(amount)}`,
      );
    }
    const allowance = (await erc20.getFunction("allowance")(sender, ctx.info.bridge)) as bigint;
    if (allowance < amount) {
      // Exactly the amount, not unlimited: a client should not leave a standing allowance behind.
      const approval = await sendAndWait("approve", () =>
        erc20.getFunction("approve")(ctx.info.bridge, amount),
      );
      approveTxHash = approval.hash.toLowerCase() as Hex;
    }
    receipt = await sendAndWait("depositERC20", () =>
      bridge.getFunction("depositERC20")(token.l1Token, amount, to),
    );
  }
  const deposited = depositInReceipt(receipt, ctx.info.bridge);
  if (deposited === null) {
    throw new TransactionFailedError(`deposit tx ${receipt.hash} succeeded but emitted no Deposited event`);
  }
  return {
    l1TxHash: deposited.l1TxHash,
    l1Block: deposited.l1Block,
    nonce: deposited.nonce,
    token,
    amount: deposited.amount,
    to: deposited.to,
    approveTxHash,
  };
}
