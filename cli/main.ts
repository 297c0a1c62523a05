import "../node/util/polyfill.ts";
import { reportError, routeErrors } from "./format/errors.ts";
import { buildProgram } from "./program.ts";

const program = buildProgram();
// After every command is registered: each one gets the one-line error handling.
const errors = routeErrors(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err, errors.actionCommand(), process.argv.slice(2));
});
