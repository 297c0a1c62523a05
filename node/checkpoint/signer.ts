import { type Hex, privateKeyToAddress } from "../crypto/index.ts";
import { type CheckpointDomainParams, signCheckpoint } from "../types/checkpointSigning.ts";
import type { CheckpointCoordinatorModules } from "./coordinator.ts";

/** This validator's checkpoint signer, or null for a full node (it collects signatures but never signs). */
export function createCheckpointSigner(
  key: Hex | null,
  domain: CheckpointDomainParams,
): CheckpointCoordinatorModules["signer"] {
  if (!key) return null;
  return { address: privateKeyToAddress(key), sign: (checkpoint) => signCheckpoint(checkpoint, domain, key) };
}
