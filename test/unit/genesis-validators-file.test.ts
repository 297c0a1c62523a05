import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { getAddress } from "ethers";
import { devValidatorKey } from "../../genesis/devKeys.ts";
import {
  checkpointValidatorSet,
  parseValidatorsFile,
  ValidatorsFileError,
} from "../../genesis/validatorsFile.ts";
import { privateKeyToAddress } from "../../node/crypto/index.ts";

const TOKEN = 10n ** 18n;
const addresses = [0, 1, 2].map((i) => privateKeyToAddress(devValidatorKey(i)));
let peers: string[] = [];

before(async () => {
  peers = await Promise.all(
    [0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()),
  );
});

function entry(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    address: addresses[i],
    power: 100 + i,
    peerId: peers[i],
    p2pAddress: `/ip4/10.0.0.${i + 1}/tcp/26656/p2p/${peers[i]}`,
    ...extra,
  };
}

const parse = (list: unknown) => parseValidatorsFile(JSON.stringify(list), "validators.json");

function refuses(list: unknown, pattern: RegExp): void {
  assert.throws(
    () => (typeof list === "string" ? parseValidatorsFile(list, "validators.json") : parse(list)),
    (err: unknown) => {
      assert.ok(err instanceof ValidatorsFileError, `a ValidatorsFileError, got ${String(err)}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe("validators file", () => {
  it("parses power or stake, keeps file order and names, and lowercases addresses", () => {
    const checksummed = getAddress(addresses[1] as string);
    assert.notEqual(checksummed, addresses[1], "the test address has upper-case letters when checksummed");
    const validators = parse([
      entry(0, { name: "alice" }),
      entry(1, { address: checksummed, power: undefined, stake: (2500n * TOKEN + 7n).toString() }),
      entry(2, { power: "300" }),
    ]);
    assert.deepEqual(
      validators.map((v) => [v.address, v.stake, v.power, v.name]),
      [
        [addresses[0], 100n * TOKEN, 100n, "alice"],
        [addresses[1], 2500n * TOKEN + 7n, 2500n, undefined],
        [addresses[2], 300n * TOKEN, 300n, undefined],
      ],
    );
    assert.equal(validators[0]?.peerId, peers[0]);
    assert.equal(validators[2]?.p2pAddress, `/ip4/10.0.0.3/tcp/26656/p2p/${peers[2]}`);
    assert.equal("name" in (validators[1] ?? {}), false);
  });

  it("gives CheckpointManager's set strictly ascending by address with the powers", () => {
    const set = checkpointValidatorSet(parse([entry(0), entry(1), entry(2)]));
    const sorted = [...set].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    assert.deepEqual(set, sorted);
    assert.deepEqual(
      new Map(set.map((v) => [v.address, v.power])),
      new Map([
        [addresses[0], 100n],
        [addresses[1], 101n],
        [addresses[2], 102n],
      ]),
    );
  });

  it("refuses files that are not a non-empty JSON list", () => {
    refuses("{", /^validators\.json is not JSON/);
    refuses({ validators: [] }, /^validators\.json: expected a JSON list/);
    refuses([], /^validators\.json: lists no validator$/);
  });

  it("names the entry and the field of a bad address", () => {
    refuses(
      [entry(0), entry(1, { address: "0x1234", name: "bob" })],
      /^validators\.json: entry 1 \("bob"\): address: "0x1234" is not a 0x 20-byte address$/,
    );
    const checksummed = getAddress(addresses[0] as string);
    // One letter's case flipped: a checksum error, not a silently different address.
    const flipped = checksummed.replace(/[a-f]/, (c) => c.toUpperCase());
    refuses(
      [entry(0, { address: flipped })],
      /^validators\.json: entry 0: address: 0x[0-9a-fA-F]{40} has a wrong EIP-55 checksum/,
    );
    refuses([entry(0, { address: 7 })], /^validators\.json: entry 0: address: /);
  });

  it("refuses a missing, doubled or too small power or stake", () => {
    refuses(
      [entry(0, { power: undefined })],
      /entry 0: needs power \(whole tokens\) or stake \(base units\)$/,
    );
    refuses([entry(0, { stake: "1000" })], /entry 0: give power or stake, not both$/);
    refuses([entry(0, { power: 0 })], /entry 0: power: /);
    refuses([entry(0, { power: 1.5 })], /entry 0: power: expected whole tokens, got 1\.5$/);
    refuses(
      [entry(0, { power: 2 ** 60 })],
      /entry 0: power \d+ is too large for a JSON number; write it as a string$/,
    );
    refuses(
      [entry(0, { power: undefined, stake: (TOKEN - 1n).toString() })],
      /entry 0: stake 999999999999999999 is below the minimum/,
    );
    refuses(
      [entry(0, { power: undefined, stake: "1e21" })],
      /entry 0: stake: expected a decimal integer string$/,
    );
  });

  it("refuses a bad peer id or p2p address, naming the field", () => {
    refuses([entry(0, { peerId: "not-a-peer" })], /entry 0: peerId: "not-a-peer" is not a libp2p peer id$/);
    refuses(
      [entry(0, { p2pAddress: "10.0.0.1:26656" })],
      /entry 0: p2pAddress: "10\.0\.0\.1:26656" is not a multiaddr$/,
    );
    refuses(
      [entry(0, { p2pAddress: "/ip4/10.0.0.1/tcp/26656" })],
      /entry 0: p2pAddress: .* lacks its \/p2p\/<peerId> part$/,
    );
    refuses(
      [entry(0, { p2pAddress: `/ip4/10.0.0.1/tcp/26656/p2p/${peers[1]}` })],
      new RegExp(`entry 0: p2pAddress: .* names peer ${peers[1]}, not the entry's peerId ${peers[0]}$`),
    );
    refuses(
      [entry(0, { p2pAddress: `/p2p/${peers[0]}` })],
      /entry 0: p2pAddress: .* has no transport address/,
    );
  });

  it("refuses duplicates and unknown fields", () => {
    refuses(
      [entry(0), entry(1, { address: addresses[0] })],
      new RegExp(`entry 1: address ${addresses[0]} is also entry 0's$`),
    );
    refuses(
      [entry(0), entry(1, { address: getAddress(addresses[0] as string) })],
      /entry 1: address 0x[0-9a-f]{40} is also entry 0's$/,
    );
    refuses(
      [entry(0), entry(1, { peerId: peers[0], p2pAddress: `/ip4/10.0.0.2/tcp/1/p2p/${peers[0]}` })],
      /entry 1: peerId \S+ is also entry 0's$/,
    );
    refuses([entry(0, { stakes: "1" })], /entry 0: unknown field "stakes"$/);
    refuses([entry(0, { name: "" })], /entry 0 \(""\): name: /);
  });
});
