/** The RPC server's limits and timeouts when the operator sets none (config rpc.*, DESIGN.md §6). */
export const RPC_DEFAULTS = {
  host: "127.0.0.1",
  maxBodyBytes: 1024 * 1024,
  // ethers' JsonRpcProvider batches up to 100 requests (batchMaxCount), so it never hits this.
  maxBatch: 100,
  // geth's BatchResponseMaxSize.
  maxResponseBytes: 25 * 1000 * 1000,
  maxWsConnections: 256,
  maxSubscriptionsPerConnection: 64,
  maxWsBufferedBytes: 16 * 1024 * 1024,
  wsPingIntervalMs: 30_000,
  maxLogBlockRange: 10_000,
  maxLogResults: 10_000,
  // geth's cap on eth_feeHistory's block count.
  maxFeeHistoryBlocks: 1024,
  maxInFlightPerConnection: 16,
  // geth's filter timeout; filters are small, but a client that never uninstalls must not hold them forever.
  filterTimeoutMs: 5 * 60 * 1000,
  maxFiltersPerClient: 100,
  maxFilters: 10_000,
  maxPendingFilterHashes: 4096,
  filterSweepIntervalMs: 30_000,
  // A public provider's free tier is ~10-30 requests/s; a node's own clients batch, so allow more, and bursts.
  ratePerSecond: 100,
  rateBurst: 200,
  exemptLoopback: true,
  maxConnections: 1024,
  maxConnectionsPerClient: 64,
  // geth stops an eth_call after 5 s; a log scan over the whole allowed range may need more.
  requestTimeoutMs: 10_000,
  // Each running heavy call takes the CPU for a 20 ms slice per event-loop turn: two keep consensus' turns frequent.
  maxConcurrentCalls: 2,
  maxQueuedCalls: 64,
  /** The whole request must arrive within this, and its headers within headersTimeoutMs (slow senders). */
  receiveTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  /**
   * How long an idle keep-alive connection stays open: geth's 120 s rather than Node's 5 s. A server closes an idle
   * connection from its timers, which run before it reads what arrived meanwhile: after an event-loop stall longer
   * than the timeout, a request already sent on that connection is answered with a reset (a client then sees
   * "fetch failed" for a request the node never read). The longer the timeout, the longer a stall must be.
   */
  keepAliveTimeoutMs: 120_000,
} as const;
