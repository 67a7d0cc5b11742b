import { configFromEnv } from "../lib/monitor/config";
import { defaultClients, makeHandler } from "../lib/monitor/handler";

// Validated once per cold start: a misconfigured stack fails on its first invocation, by name.
const config = configFromEnv(process.env);

export const handler = makeHandler(config, defaultClients(config));
