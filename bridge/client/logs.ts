import type { Log, Provider } from "ethers";

/** Block span of one eth_getLogs call: under the sidechain's 10,000 and what common L1 providers allow. */
export const LOG_CHUNK = 5_000;

/**
 * The most recent log matching the filter in [fromBlock, toBlock], scanning backwards in chunks: the things a
 * user asks about are usually recent, and nodes cap the block range of one query.
 */
export async function findLatestLog(
  provider: Provider,
  filter: { address: string; topics: (string | null)[] },
  fromBlock: number,
  toBlock: number,
  chunk = LOG_CHUNK,
): Promise<Log | null> {
  for (let end = toBlock; end >= fromBlock; end -= chunk) {
    const start = Math.max(fromBlock, end - chunk + 1);
    const logs = await provider.getLogs({ ...filter, fromBlock: start, toBlock: end });
    const last = logs.at(-1);
    if (last !== undefined) return last;
  }
  return null;
}
