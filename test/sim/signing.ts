import type { MessageVerifier, UnsignedProposal, UnsignedVote } from "../../node/consensus/messages.ts";
import {
  type Address,
  bytesToHex,
  concatBytes,
  equalBytes,
  type Hex,
  hexToBytes,
  keccak256,
  privateKeyToAddress,
  proposalDigest,
  recoverSigner,
  signDigest,
  voteDigest,
} from "../../node/crypto/index.ts";
import type { Proposal, Vote } from "../../node/types/shapes.ts";

/**
 * How simulated validators sign. Measured here: secp256k1 sign ~1.2 ms and recover ~2.2 ms per call, about
 * 100 s of CPU per 1,000 heights even memoised, so the default is a keyed-hash stand-in (~50 us) that keeps the
 * property consensus relies on: only the holder of a key can produce a signature that verifies as that key's
 * address. `secp256k1` stays available for replays (`--real-sigs`).
 */
export type SchemeName = "fast" | "secp256k1";

export interface SigningScheme {
  readonly name: SchemeName;
  readonly verifier: MessageVerifier;
  /** Makes a key usable by this scheme and returns its validator address. */
  register(privateKey: Hex): Address;
  signVote(privateKey: Hex, vote: UnsignedVote): Vote;
  signProposal(privateKey: Hex, proposal: UnsignedProposal): Proposal;
}

type Signer = (digest: Uint8Array, privateKey: Hex) => Hex;
type Recoverer = (digest: Uint8Array, signature: Hex) => Address | null;

export function createScheme(name: SchemeName, chainId: bigint): SigningScheme {
  return name === "fast" ? keyedHashScheme(chainId) : secpScheme(chainId);
}

function secpScheme(chainId: bigint): SigningScheme {
  const recover: Recoverer = (digest, signature) => {
    try {
      return recoverSigner(digest, signature);
    } catch {
      return null;
    }
  };
  return build("secp256k1", chainId, addressOfKey, signDigest, recover);
}

/**
 * Stand-in signature: keccak(secret || digest) || address || zero padding || v = 27, 65 bytes and a valid
 * recovery byte like the real thing (evidence in blocks goes through the wire codec, which checks v).
 * Verification looks the claimed address up in the registry and recomputes the MAC, so a byzantine node that
 * holds only its own key cannot produce a message that verifies as anyone else's (an ideal signature oracle).
 */
function keyedHashScheme(chainId: bigint): SigningScheme {
  const secretOf = new Map<Address, Uint8Array>();
  const secretByKey = new Map<Hex, Uint8Array>();
  const secretFor = (privateKey: Hex): Uint8Array => {
    let secret = secretByKey.get(privateKey);
    if (secret === undefined) {
      secret = keccak256(
        concatBytes(new TextEncoder().encode("outrigger/sim-mac/v1"), hexToBytes(privateKey, 32)),
      );
      secretByKey.set(privateKey, secret);
    }
    return secret;
  };
  const register = (privateKey: Hex): Address => {
    const address = addressOfKey(privateKey);
    secretOf.set(address, secretFor(privateKey));
    return address;
  };
  const sign: Signer = (digest, privateKey) => {
    const address = addressOfKey(privateKey);
    const mac = keccak256(concatBytes(secretFor(privateKey), digest));
    return bytesToHex(concatBytes(mac, hexToBytes(address, 20), new Uint8Array(12), V_BYTE));
  };
  const recover: Recoverer = (digest, signature) => {
    if (!/^0x[0-9a-f]{130}$/.test(signature)) return null;
    const address: Address = `0x${signature.slice(66, 106)}`;
    const secret = secretOf.get(address);
    if (secret === undefined || !signature.endsWith(TAIL)) return null;
    const mac = keccak256(concatBytes(secret, digest));
    return equalBytes(mac, hexToBytes(signature.slice(0, 66))) ? address : null;
  };
  return build("fast", chainId, register, sign, recover, true);
}

const V_BYTE = new Uint8Array([27]);
const TAIL = `${"00".repeat(12)}1b`;

function build(
  name: SchemeName,
  chainId: bigint,
  register: (privateKey: Hex) => Address,
  sign: Signer,
  recover: Recoverer,
  /**
   * Whether what this scheme signs is known to verify as its signer without recomputing: true for the
   * stand-in, whose signatures are the sim's own; secp256k1 recovers everything, as a node would.
   */
  trustOwn = false,
): SigningScheme {
  // One cache per scenario: every node verifies the same gossiped message, but it is recovered once.
  const memo = new Map<string, Address | null>();
  // Gossip hands the same frozen message object to every node: looked up by identity first, by content after.
  const byObject = new WeakMap<object, Address | null>();
  const memoised = (
    message: object,
    chain: bigint,
    key: () => string,
    digest: () => Uint8Array,
    signature: Hex,
  ): Address | null => {
    const known = chain === chainId ? byObject.get(message) : undefined;
    if (known !== undefined) return known;
    const k = key();
    let signer = memo.get(k);
    if (signer === undefined) {
      signer = recover(digest(), signature);
      memo.set(k, signer);
    }
    if (chain === chainId) byObject.set(message, signer);
    return signer;
  };
  const verifier: MessageVerifier = {
    voteSigner(chain, vote) {
      return memoised(
        vote,
        chain,
        () => `v|${chain}|${vote.type}|${vote.height}|${vote.round}|${vote.blockHash}|${vote.signature}`,
        () => voteDigest({ chainId: chain, ...vote }),
        vote.signature,
      );
    },
    proposalSigner(chain, p) {
      return memoised(
        p,
        chain,
        () => `p|${chain}|${p.height}|${p.round}|${p.polRound}|${p.blockHash}|${p.signature}`,
        () => proposalDigest({ chainId: chain, ...p }),
        p.signature,
      );
    },
  };
  return {
    name,
    verifier,
    register,
    signVote(privateKey, vote) {
      const signed = Object.freeze({
        ...vote,
        signature: sign(voteDigest({ chainId, ...vote }), privateKey),
      });
      if (trustOwn) byObject.set(signed, addressOfKey(privateKey));
      return signed;
    },
    signProposal(privateKey, proposal) {
      const signed = Object.freeze({
        ...proposal,
        signature: sign(proposalDigest({ chainId, ...proposal }), privateKey),
      });
      if (trustOwn) byObject.set(signed, addressOfKey(privateKey));
      return signed;
    },
  };
}

// Deriving an address costs a scalar multiplication (~0.7 ms); scenarios draw from a small key pool.
const addressCache = new Map<Hex, Address>();

export function addressOfKey(privateKey: Hex): Address {
  let address = addressCache.get(privateKey);
  if (address === undefined) {
    address = privateKeyToAddress(privateKey);
    addressCache.set(privateKey, address);
  }
  return address;
}
