import { reqrespTargets } from "../fuzz/reqresp.ts";
import { describeFuzz } from "../fuzz/suite.ts";

describeFuzz("fuzzing request/response frames", reqrespTargets, 40_000);
