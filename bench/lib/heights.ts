import type { RpcClient } from "./rpcClient.ts";

/** The node's head height (eth_blockNumber). */
export async function blockHeight(client: RpcClient): Promise<number> {
  return Number.parseInt(await client.call<string>("eth_blockNumber"), 16);
}

/** Every node's height, null for one that does not answer. */
export function heightsOf(clients: readonly RpcClient[]): Promise<(number | null)[]> {
  return Promise.all(clients.map((c) => blockHeight(c).catch(() => null)));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` every `everyMs` until it returns a value other than undefined, and returns that; throws after
 * `timeoutMs` saying `what` was awaited.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  opts: { everyMs: number; timeoutMs: number; what: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what}`);
    await sleep(opts.everyMs);
  }
}
