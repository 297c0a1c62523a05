import { cliTargets } from "../fuzz/cli.ts";
import { describeFuzz } from "../fuzz/suite.ts";

describeFuzz("fuzzing outrigger argv", cliTargets, 2_000);
