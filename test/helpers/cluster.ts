import { errorMessage } from "../../node/util/errors.ts";

// The launcher lives with the devnet so benches use the same one; tests keep importing it from here.
export { Cluster, ClusterNode, FAST_TIMEOUTS } from "../../cli/devnet/cluster.ts";

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export async function heightOf(url: string): Promise<number> {
  return Number.parseInt(await rpc<string>(url, "eth_blockNumber"), 16);
}

/** Polls until the condition holds; the deadline guards against a hang, it is not a performance assertion. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  deadlineMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const start = Date.now();
  let lastError = "";
  while (Date.now() - start < deadlineMs) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`);
}

export async function blockHashAt(url: string, height: number): Promise<string | null> {
  const block = await rpc<{ hash: string } | null>(url, "eth_getBlockByNumber", [
    `0x${height.toString(16)}`,
    false,
  ]);
  return block?.hash ?? null;
}
