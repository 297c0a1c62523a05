/**
 * The slice of a pino logger a service uses: pino's `(object, message)` form, so the node passes its pino child
 * logger as is, tests pass a silent or recording one, and no part below the node depends on pino.
 */
export interface ServiceLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ServiceLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
