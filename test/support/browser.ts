/**
 * A real browser for the board's tests: Debian's chromium driven by playwright-core (which never
 * downloads a browser). Where chromium is not installed the browser tests skip with a warning,
 * except in CI (.ci/run sets BLOCKWATCH_REQUIRE_BROWSER=1 and installs it).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_BROWSER = existsSync(CHROMIUM);
if (!HAS_BROWSER && process.env.BLOCKWATCH_REQUIRE_BROWSER) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium`);
if (!HAS_BROWSER) console.warn(`no chromium at ${CHROMIUM}: the browser tests are skipped (apt-get install -y chromium)`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
