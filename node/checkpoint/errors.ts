/** A checkpoint that cannot be built, or a signature or certificate that does not hold. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}
