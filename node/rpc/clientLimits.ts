import { isIPv4, isIPv6, type Socket } from "node:net";
import { KeyedTokenBuckets } from "../util/tokenBuckets.ts";
import type { Admit } from "./dispatch.ts";
import type { RpcLimit } from "./errors.ts";

export interface ClientLimitsOptions {
  /** Requests per second one client may sustain (a batch counts each request); 0 turns the limit off. */
  ratePerSecond: number;
  /** Requests a rested client may send at once. */
  burst: number;
  /** Open connections (HTTP keep-alive and WebSocket) one client may hold. */
  maxConnectionsPerClient: number;
  /** Loopback clients (the operator's own tools, a local proxy) are not limited per client. */
  exemptLoopback: boolean;
}

/** Clients tracked at most; an attacker cycling addresses only recycles rested entries. */
const MAX_TRACKED_CLIENTS = 10_000;

/** The eight groups of an IPv6 address, "::" expanded; null when it is not one. */
function ipv6Groups(address: string): string[] | null {
  const [head = "", tail] = address.split("::", 2);
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(0, fill)).fill("0"), ...right];
  return groups.length === 8 ? groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, "")) : null;
}

/**
 * The key a client is limited by: its IPv4 address, or the /64 prefix of its IPv6 address, since one host
 * usually holds a whole /64 and could otherwise rotate addresses for free.
 */
export function clientKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(remoteAddress) || !isIPv6(remoteAddress) || remoteAddress === "::1") return remoteAddress;
  const groups = ipv6Groups(remoteAddress.split("%")[0] ?? remoteAddress);
  return groups === null ? remoteAddress : `${groups.slice(0, 4).join(":")}::/64`;
}

export function isLoopbackKey(key: string): boolean {
  return key.startsWith("127.") || key === "::1";
}

/** Per-client request rate and connection count (by remote address), as a public endpoint needs. */
export class ClientLimits {
  readonly #buckets: KeyedTokenBuckets | null;
  readonly #connections = new Map<string, number>();

  constructor(
    private readonly opts: ClientLimitsOptions,
    private readonly onLimited: (limit: RpcLimit) => void = () => {},
    now: () => number = Date.now,
  ) {
    this.#buckets =
      opts.ratePerSecond > 0
        ? new KeyedTokenBuckets(
            { capacity: opts.burst, refillPerSecond: opts.ratePerSecond, maxKeys: MAX_TRACKED_CLIENTS },
            now,
          )
        : null;
  }

  #exempt(key: string): boolean {
    return this.opts.exemptLoopback && isLoopbackKey(key);
  }

  /** The rate limit of the client at `remoteAddress`, or undefined when it has none. */
  admitFor(remoteAddress: string | undefined): Admit | undefined {
    const key = clientKey(remoteAddress);
    const buckets = this.#buckets;
    if (buckets === null || this.#exempt(key)) return undefined;
    return (requests) => buckets.take(key, requests);
  }

  /**
   * Counts a new connection against its client's cap and uncounts it when it closes; false (and the socket
   * destroyed) when the client already holds its share.
   */
  acceptConnection(socket: Socket): boolean {
    const key = clientKey(socket.remoteAddress);
    if (this.#exempt(key)) return true;
    const open = this.#connections.get(key) ?? 0;
    if (open >= this.opts.maxConnectionsPerClient) {
      this.onLimited("client-connections");
      socket.destroy();
      return false;
    }
    this.#connections.set(key, open + 1);
    socket.once("close", () => {
      const left = (this.#connections.get(key) ?? 1) - 1;
      if (left <= 0) this.#connections.delete(key);
      else this.#connections.set(key, left);
    });
    return true;
  }
}
