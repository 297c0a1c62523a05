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
 * Stand-in signature: keccak(secret || digest) || address || zero padding, 65 bytes like the real thing.
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
    return bytesToHex(concatBytes(mac, hexToBytes(address, 20), new Uint8Array(13)));
  };
  const recover: Recoverer = (digest, signature) => {
    if (!/^0x[0-9a-f]{130}$/.test(signature)) return null;
    const address: Address = `0x${signature.slice(66, 106)}`;
    const secret = secretOf.get(address);
    if (secret === undefined || !signature.endsWith("00".repeat(13))) return null;
    const mac = keccak256(concatBytes(secret, digest));
    return equalBytes(mac, hexToBytes(signature.slice(0, 66))) ? address : null;
  };
  return build("fast", chainId, register, sign, recover);
}

function build(
  name: SchemeName,
  chainId: bigint,
  register: (privateKey: Hex) => Address,
  sign: Signer,
  recover: Recoverer,
): SigningScheme {
  // One cache per scenario: every node verifies the same gossiped message, but it is recovered once.
  const memo = new Map<string, Address | null>();
  const memoised = (key: string, digest: () => Uint8Array, signature: Hex): Address | null => {
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const signer = recover(digest(), signature);
    memo.set(key, signer);
    return signer;
  };
  const verifier: MessageVerifier = {
    voteSigner(chain, vote) {
      const key = `v|${chain}|${vote.type}|${vote.height}|${vote.round}|${vote.blockHash}|${vote.signature}`;
      return memoised(key, () => voteDigest({ chainId: chain, ...vote }), vote.signature);
    },
    proposalSigner(chain, p) {
      const key = `p|${chain}|${p.height}|${p.round}|${p.polRound}|${p.blockHash}|${p.signature}`;
      return memoised(key, () => proposalDigest({ chainId: chain, ...p }), p.signature);
    },
  };
  return {
    name,
    verifier,
    register,
    signVote(privateKey, vote) {
      return Object.freeze({ ...vote, signature: sign(voteDigest({ chainId, ...vote }), privateKey) });
    },
    signProposal(privateKey, proposal) {
      return Object.freeze({
        ...proposal,
        signature: sign(proposalDigest({ chainId, ...proposal }), privateKey),
      });
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
