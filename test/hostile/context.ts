import { computeAddress, keccak256, Transaction } from "ethers";
import { errorMessage } from "../../node/util/errors.ts";
import { rpc } from "../helpers/cluster.ts";
import type { TxContext } from "./txCases.ts";

/** What the corpus learns of a running node before it is built: its chain, fee and committed transactions. */

interface TxJson {
  hash: string;
  type: string;
  chainId?: string;
  nonce: string;
  gas: string;
  to: string | null;
  value: string;
  input: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  accessList?: { address: string; storageKeys: string[] }[];
  r: string;
  s: string;
  v: string;
  yParity?: string;
}

/** The signed bytes of a committed transaction, rebuilt from its JSON; null for a kind this cannot rebuild. */
export function rawOf(tx: TxJson): string | null {
  try {
    const type = Number(tx.type);
    const rebuilt = Transaction.from({
      type,
      ...(tx.chainId === undefined ? {} : { chainId: BigInt(tx.chainId) }),
      nonce: Number(tx.nonce),
      gasLimit: BigInt(tx.gas),
      to: tx.to,
      value: BigInt(tx.value),
      data: tx.input,
      ...(type === 2
        ? {
            maxFeePerGas: BigInt(tx.maxFeePerGas ?? 0),
            maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas ?? 0),
          }
        : { gasPrice: BigInt(tx.gasPrice ?? 0) }),
      ...(type === 0 ? {} : { accessList: tx.accessList ?? [] }),
      signature: { r: tx.r, s: tx.s, v: BigInt(tx.v) },
    });
    return keccak256(rebuilt.serialized) === tx.hash.toLowerCase() ? rebuilt.serialized : null;
  } catch {
    return null;
  }
}

/** Up to `max` committed transactions, newest first, from the last `blocks` blocks. */
export async function committedRaws(url: string, max: number, blocks: number): Promise<string[]> {
  const head = Number.parseInt(await rpc<string>(url, "eth_blockNumber"), 16);
  const raws: string[] = [];
  for (let h = head; h >= 1 && h > head - blocks && raws.length < max; h--) {
    const block = await rpc<{ transactions: TxJson[] } | null>(url, "eth_getBlockByNumber", [
      `0x${h.toString(16)}`,
      true,
    ]);
    for (const tx of block?.transactions ?? []) {
      const raw = rawOf(tx);
      if (raw !== null && raws.length < max) raws.push(raw);
    }
  }
  return raws;
}

/** The transaction context of the node at `url`; `fundedKey` (optional) signs the nonce and fee cases. */
export async function discoverTxContext(
  url: string,
  opts: { fundedKey: string | null; replay?: readonly string[]; scanBlocks?: number },
): Promise<TxContext> {
  try {
    const chainId = BigInt(await rpc<string>(url, "eth_chainId"));
    // Block 0's base fee is the chain's floor: the base fee never falls below it, so a cap under it is always short.
    const genesis = await rpc<{ baseFeePerGas: string }>(url, "eth_getBlockByNumber", ["0x0", false]);
    const baseFee = BigInt(genesis.baseFeePerGas);
    const replay = opts.replay ?? (await committedRaws(url, 5, opts.scanBlocks ?? 500));
    let funded: TxContext["funded"] = null;
    if (opts.fundedKey !== null) {
      const address = computeAddress(opts.fundedKey);
      const nonce = Number(await rpc<string>(url, "eth_getTransactionCount", [address, "latest"]));
      funded = { key: opts.fundedKey, nonce };
    }
    return { chainId, baseFee, replay, funded };
  } catch (err) {
    throw new Error(`cannot read the node at ${url}: ${errorMessage(err)}`, { cause: err });
  }
}
