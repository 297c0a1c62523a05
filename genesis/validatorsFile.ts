import { readFile } from "node:fs/promises";
import { peerIdFromString } from "@libp2p/peer-id";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { z } from "zod";
import { MIN_STAKE, POWER_UNIT } from "../node/app/stakeUnits.ts";
import type { Address } from "../node/crypto/index.ts";
import { MAX_VALIDATORS, type Validator } from "../node/types/index.ts";
import { errorMessage } from "../node/util/errors.ts";
import { parseAddress, ValidatorsFileError } from "./checkedAddress.ts";

export { parseAddress, ValidatorsFileError };

/** One member of a new network's first validator set, as its operator announced it. */
export interface NetworkValidator {
  address: Address;
  /** Native base units locked at genesis; power = stake / 10^18. */
  stake: bigint;
  power: bigint;
  peerId: string;
  /** Where the other validators dial it: a multiaddr ending in /p2p/<peerId>. */
  p2pAddress: string;
  name?: string;
}

const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, "expected a decimal integer string");
const entrySchema = z.strictObject({
  address: z.string(),
  /** Whole tokens (the checkpoint power), or `stake` in base units: exactly one of the two. */
  power: z.union([z.number().positive(), decimal]).optional(),
  stake: decimal.optional(),
  peerId: z.string(),
  p2pAddress: z.string(),
  name: z.string().min(1).max(64).optional(),
});

/**
 * Parses a validators file: a JSON list of { address, power | stake, peerId, p2pAddress, name? }. Everything an
 * operator can get wrong is refused with the entry and field named, so a bad file never reaches a deployment.
 */
export function parseValidatorsFile(text: string, source: string): NetworkValidator[] {
  const list = parseJsonList(text, source);
  if (list.length === 0) throw new ValidatorsFileError(`${source}: lists no validator`);
  if (list.length > MAX_VALIDATORS)
    throw new ValidatorsFileError(`${source}: lists ${list.length} validators, more than ${MAX_VALIDATORS}`);
  const byAddress = new Map<Address, number>();
  const byPeerId = new Map<string, number>();
  return list.map((raw, i) => {
    const where = entryLabel(source, i, raw);
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) throw new ValidatorsFileError(`${where}: ${zodProblem(parsed.error)}`);
    const entry = parsed.data;
    const address = parseAddress(entry.address, `${where}: address`);
    const { stake, power } = stakeAndPower(entry.power, entry.stake, where);
    const peerId = checkPeerId(entry.peerId, `${where}: peerId`);
    checkP2pAddress(entry.p2pAddress, peerId, `${where}: p2pAddress`);
    const seenAddress = byAddress.get(address);
    if (seenAddress !== undefined)
      throw new ValidatorsFileError(`${where}: address ${address} is also entry ${seenAddress}'s`);
    byAddress.set(address, i);
    const seenPeer = byPeerId.get(peerId);
    if (seenPeer !== undefined)
      throw new ValidatorsFileError(`${where}: peerId ${peerId} is also entry ${seenPeer}'s`);
    byPeerId.set(peerId, i);
    return {
      address,
      stake,
      power,
      peerId,
      p2pAddress: entry.p2pAddress,
      ...(entry.name === undefined ? {} : { name: entry.name }),
    };
  });
}

export async function readValidatorsFile(path: string): Promise<NetworkValidator[]> {
  return parseValidatorsFile(await readText(path, "validators file"), path);
}

/** The set CheckpointManager starts from: every validator's power, strictly ascending by address. */
export function checkpointValidatorSet(validators: readonly NetworkValidator[]): Validator[] {
  return validators
    .map((v) => ({ address: v.address, power: v.power }))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new ValidatorsFileError(`cannot read ${what} ${path}: ${errorMessage(err)}`);
  }
}

export function parseJsonList(text: string, source: string): unknown[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ValidatorsFileError(`${source} is not JSON: ${errorMessage(err)}`);
  }
  if (!Array.isArray(raw)) throw new ValidatorsFileError(`${source}: expected a JSON list of entries`);
  return raw;
}

export function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid";
  const field = issue.path.join(".");
  if (issue.code === "unrecognized_keys")
    return `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return `${field === "" ? "" : `${field}: `}${issue.message}`;
}

function entryLabel(source: string, index: number, raw: unknown): string {
  const name = (raw as { name?: unknown } | null)?.name;
  return `${source}: entry ${index}${typeof name === "string" ? ` (${JSON.stringify(name)})` : ""}`;
}

function stakeAndPower(
  power: number | string | undefined,
  stake: string | undefined,
  where: string,
): { stake: bigint; power: bigint } {
  if (power !== undefined && stake !== undefined)
    throw new ValidatorsFileError(`${where}: give power or stake, not both`);
  if (power !== undefined) {
    if (typeof power === "number" && !Number.isInteger(power))
      throw new ValidatorsFileError(`${where}: power: expected whole tokens, got ${power}`);
    // A JSON number that large has already lost digits: the operator must say exactly what they mean.
    if (typeof power === "number" && !Number.isSafeInteger(power))
      throw new ValidatorsFileError(
        `${where}: power ${power} is too large for a JSON number; write it as a string`,
      );
    const p = BigInt(power);
    if (p <= 0n) throw new ValidatorsFileError(`${where}: power must be at least 1`);
    return { stake: p * POWER_UNIT, power: p };
  }
  if (stake === undefined)
    throw new ValidatorsFileError(`${where}: needs power (whole tokens) or stake (base units)`);
  const s = BigInt(stake);
  if (s < MIN_STAKE)
    throw new ValidatorsFileError(`${where}: stake ${s} is below the minimum of ${MIN_STAKE} (one token)`);
  return { stake: s, power: s / POWER_UNIT };
}

function checkPeerId(value: string, where: string): string {
  try {
    return peerIdFromString(value).toString();
  } catch {
    throw new ValidatorsFileError(`${where}: ${JSON.stringify(value.slice(0, 80))} is not a libp2p peer id`);
  }
}

function checkP2pAddress(value: string, peerId: string, where: string): void {
  let addr: Multiaddr;
  try {
    addr = multiaddr(value);
  } catch {
    throw new ValidatorsFileError(`${where}: ${JSON.stringify(value.slice(0, 120))} is not a multiaddr`);
  }
  const named = addr.getPeerId();
  if (named === null) throw new ValidatorsFileError(`${where}: ${value} lacks its /p2p/<peerId> part`);
  if (named !== peerId)
    throw new ValidatorsFileError(`${where}: ${value} names peer ${named}, not the entry's peerId ${peerId}`);
  // A bare /p2p/<id> says who but not where: the other validators could never dial it.
  if (addr.protoNames().length < 2)
    throw new ValidatorsFileError(
      `${where}: ${value} has no transport address before /p2p/ (like /ip4/…/tcp/…)`,
    );
}
