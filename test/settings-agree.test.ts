// The same settings refused (or accepted) alike by the CLI flags, the Lambda's environment and
// packaging's params: a value one of them takes and another refuses fails someone at the worst time
// (a deploy that packages, then fails every run).
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { buildPolicy } from "../lib/cli/policy-flags";
import { configFromEnv } from "../lib/monitor/config";

const deploy = createRequire(import.meta.url)("../deploy/config.cjs") as { buildConfig(raw: Record<string, string>): Record<string, unknown> };

/** serverless.yml's custom.params defaults (as test/template.test.ts has them). */
const PARAMS: Record<string, string> = {
  thanosBucket: "kc-thanos-store", thanosPrefix: "", thanosRegion: "", clusterLabel: "cluster_id", expectedClusters: "",
  schedule: "rate(2 hours)", lateAfter: "3h30m", stallAfter: "4h", remindEvery: "24h", lookback: "7d", clusterOverrides: "",
  alertEmail: "", alertTopicArn: "", kmsKeyArn: "", metricNamespace: "Blockwatch", perClusterMetrics: "true", perClusterAlarm: "false",
};
const ENV = { THANOS_BUCKET: "kc-thanos-store", STATE_BUCKET: "state", ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:111122223333:alerts" };

interface Setting {
  name: string;
  cli: Record<string, string | string[]>;
  env: Record<string, string>;
  params: Record<string, string>;
}
const settings = (name: string, values: { lookback?: string; stallAfter?: string; lateAfter?: string; remindEvery?: string; override?: string }): Setting => ({
  name,
  cli: {
    ...(values.lookback && { lookback: values.lookback }),
    ...(values.stallAfter && { "stall-after": values.stallAfter }),
    ...(values.lateAfter && { "late-after": values.lateAfter }),
    ...(values.remindEvery && { "remind-every": values.remindEvery }),
    ...(values.override && { "cluster-threshold": [values.override] }),
  },
  env: {
    ...(values.lookback && { LOOKBACK: values.lookback }),
    ...(values.stallAfter && { STALL_AFTER: values.stallAfter }),
    ...(values.lateAfter && { LATE_AFTER: values.lateAfter }),
    ...(values.remindEvery && { REMIND_EVERY: values.remindEvery }),
    ...(values.override && { CLUSTER_OVERRIDES: values.override }),
  },
  params: {
    ...(values.lookback && { lookback: values.lookback }),
    ...(values.stallAfter && { stallAfter: values.stallAfter }),
    ...(values.lateAfter && { lateAfter: values.lateAfter }),
    ...(values.remindEvery && { remindEvery: values.remindEvery }),
    ...(values.override && { clusterOverrides: values.override }),
  },
});

const verdicts = (s: Setting) => {
  const outcome = (f: () => unknown) => {
    try {
      f();
      return "accepted";
    } catch (err) {
      return `refused: ${(err as Error).message}`;
    }
  };
  return {
    cli: outcome(() => buildPolicy(s.cli)),
    lambda: outcome(() => configFromEnv({ ...ENV, ...s.env })),
    deploy: outcome(() => deploy.buildConfig({ ...PARAMS, ...s.params })),
  };
};

describe("refused by all three", () => {
  it.each([
    [settings("lookback shorter than stall-after", { lookback: "3h" }), /lookback.*shorter than.*stall-?after/i],
    [settings("lookback shorter than a cluster's stall-after", { override: "dev-1:stall-after=8d" }), /stall-after.*(lookback|longer than lookback)/i],
    [settings("stall-after below late-after", { lateAfter: "5h" }), /stall-?after.*(at least|below)|late-?after.*above/i],
  ])("%s", (s, reason) => {
    const v = verdicts(s);
    expect(v.cli).toMatch(/^refused: /);
    expect(v.lambda).toMatch(/^refused: configuration: /);
    expect(v.deploy).toMatch(/^refused: blockwatch: param /);
    for (const outcome of Object.values(v)) expect(outcome).toMatch(reason);
  });
});

describe("accepted by all three", () => {
  it("a lookback equal to stall-after", () => {
    expect(verdicts(settings("equal", { lookback: "4h" }))).toEqual({ cli: "accepted", lambda: "accepted", deploy: "accepted" });
  });

  it("remind-every 0: no reminders (lib/alerts/decide.ts), in the CLI, the Lambda and the template", () => {
    const s = settings("no reminders", { remindEvery: "0" });
    expect(verdicts(s)).toEqual({ cli: "accepted", lambda: "accepted", deploy: "accepted" });
    expect(buildPolicy(s.cli).remindEveryMs).toBe(0);
    expect(configFromEnv({ ...ENV, ...s.env }).policy.remindEveryMs).toBe(0);
    expect(deploy.buildConfig({ ...PARAMS, ...s.params })).toMatchObject({ remindEvery: "0", remindEverySeconds: 0 });
  });
});
