import {
  CheckpointCoordinator,
  CheckpointService,
  type CheckpointSources,
} from "../../node/checkpoint/index.ts";
import { type Address, type Hex, keccak256Hex } from "../../node/crypto/index.ts";
import { type CertifiedCheckpoint, signCheckpoint } from "../../node/types/index.ts";
import { type TestValidator, testValidators, validatorSetOf } from "./validators.ts";

export const CHECKPOINT_DOMAIN = {
  l1ChainId: 31337n,
  checkpointManager: `0x${"00".repeat(19)}01` as Address,
};
export const CHECKPOINT_EPOCH = 5;
const hashOf = (h: number): Hex => keccak256Hex(new TextEncoder().encode(`block ${h}`));

/** One validator's checkpoint coordinator over a store holding heights 1..head, with what it published. */
export interface CheckpointNode {
  validator: TestValidator;
  coordinator: CheckpointCoordinator;
  published: Uint8Array[];
  certified: CertifiedCheckpoint[];
}

/**
 * Validators of equal power, each with a coordinator that has committed up to `head.value` (epoch 1 unless the
 * test moves it; nothing signed yet).
 */
export function checkpointNodes(count: number, head = { value: CHECKPOINT_EPOCH }): CheckpointNode[] {
  const validators = testValidators(Array.from({ length: count }, () => 1n));
  const sources: CheckpointSources = {
    headHeight: () => head.value,
    hashAt: async (h) => (h >= 1 && h <= head.value ? hashOf(h) : null),
    validatorsAt: async () => ({
      validators: validators.map(({ address, power }) => ({ address, power })),
      hash: validatorSetOf(validators).hash(),
    }),
    withdrawal: () => null,
    nextWithdrawalId: () => 0n,
  };
  return validators.map((validator) => {
    const published: Uint8Array[] = [];
    const certified: CertifiedCheckpoint[] = [];
    const service = new CheckpointService(
      { sidechainId: 7447n, epochLength: CHECKPOINT_EPOCH, domain: CHECKPOINT_DOMAIN },
      sources,
    );
    const coordinator = new CheckpointCoordinator(
      { earlySignatureWaitMs: 0 },
      {
        service,
        signer: {
          address: validator.address,
          sign: (c) => signCheckpoint(c, CHECKPOINT_DOMAIN, validator.key),
        },
        publish: (data) => published.push(data),
        headHeight: () => head.value,
        onCertified: (c) => certified.push(c),
      },
    );
    return { validator, coordinator, published, certified };
  });
}
