#!/usr/bin/env node
import { main } from "./main";

// The SDK warns on Node 20 that its 2027 releases need Node 22; blockwatch pins its SDK version,
// and a 7-line warning would bury the one-line reason a failed check prints on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.exitCode = await main(process.argv.slice(2));
