import type { Hex } from "../crypto/index.ts";
import type { CheckpointDomainParams } from "../types/checkpointSigning.ts";
import type { CertifiedCheckpoint } from "../types/shapes.ts";
import type { ServiceLogger } from "../util/logger.ts";
import { CheckpointCoordinator } from "./coordinator.ts";
import { CheckpointService, type CheckpointSources } from "./service.ts";
import { createCheckpointSigner } from "./signer.ts";

export interface CheckpointingOptions {
  sidechainId: bigint;
  epochLength: number;
  domain: CheckpointDomainParams;
  /** The validator key, or null for a full node (it collects signatures but never signs). */
  validatorKey: Hex | null;
  earlySignatureWaitMs: number;
}

export interface CheckpointingModules {
  sources: CheckpointSources;
  publish(data: Uint8Array): void;
  logger: ServiceLogger;
}

/** A node's checkpoint parts: the service that builds and checks checkpoints and the coordinator that signs. */
export interface Checkpointing {
  service: CheckpointService;
  coordinator: CheckpointCoordinator;
  /** The chain's view of them: which certified checkpoint a block may carry, and whether one it carries is right. */
  forBlocks: {
    certified(number: number): CertifiedCheckpoint | null;
    includedProblem(certified: CertifiedCheckpoint, number: number): Promise<string | null>;
  };
}

export function createCheckpointing(
  opts: CheckpointingOptions,
  modules: CheckpointingModules,
): Checkpointing {
  const service = new CheckpointService(
    { sidechainId: opts.sidechainId, epochLength: opts.epochLength, domain: opts.domain },
    modules.sources,
  );
  const coordinator = new CheckpointCoordinator(
    { earlySignatureWaitMs: opts.earlySignatureWaitMs },
    {
      service,
      signer: createCheckpointSigner(opts.validatorKey, opts.domain),
      publish: modules.publish,
      headHeight: () => modules.sources.headHeight(),
      onCertified: ({ checkpoint, signatures }) =>
        modules.logger.info(
          { number: checkpoint.number, signers: signatures.length },
          "checkpoint certified",
        ),
    },
  );
  return {
    service,
    coordinator,
    forBlocks: {
      certified: (number) => coordinator.certified(number),
      includedProblem: (certified, number) => service.includedProblem(certified, number),
    },
  };
}
