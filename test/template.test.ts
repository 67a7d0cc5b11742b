/**
 * serverless.yml, checked on what it really produces: `serverless package` (offline, no AWS
 * credentials) of two configurations, then the CloudFormation template with its conditions
 * evaluated the way a deploy would. Plus the deploy-time param checks of deploy/config.cjs.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDuration } from "../lib/domain/duration";
import { packageFailure, packageTemplate, Stack, unzipEntry, type Json, type Packaged } from "./support/package-template";

interface DeployConfig {
  buildConfig(raw: Record<string, string>): Record<string, Json>;
  durationMs(text: string): number | null;
  checkParamNames(given: string[] | undefined, known: Record<string, string>): void;
}
const deployConfig = createRequire(import.meta.url)("../deploy/config.cjs") as DeployConfig;

const BUCKET = "kc-thanos-store";
const KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/abcd";
const EXISTING_TOPIC = "arn:aws:sns:us-east-1:111122223333:ops-alerts";

/** The defaults of custom.params in serverless.yml. */
const DEFAULT_PARAMS: Record<string, string> = {
  thanosBucket: "",
  thanosPrefix: "",
  thanosRegion: "",
  clusterLabel: "cluster_id",
  expectedClusters: "",
  schedule: "cron(5 0/2 * * ? *)",
  lateAfter: "3h30m",
  stallAfter: "4h",
  remindEvery: "24h",
  lookback: "7d",
  clusterOverrides: "",
  source: "auto",
  etlLateAfter: "3h",
  etlStallAfter: "6h",
  etlClusterOverrides: "",
  replicaLabels: "prometheus_replica,replica,rule_replica",
  gapTolerance: "15m",
  alertEmail: "",
  alertTopicArn: "",
  kmsKeyArn: "",
  metricNamespace: "Blockwatch",
  perClusterMetrics: "false",
  perClusterAlarm: "false",
};

const HAS_CFN_LINT = (() => {
  try {
    execFileSync("sh", ["-c", "command -v cfn-lint"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A: defaults, new topic with two addresses, SSE-KMS Thanos bucket. */
let a: Packaged;
/** B: existing topic, no KMS, a prefix, per-cluster metrics and alarm, hourly schedule, other thresholds. */
let b: Packaged;
let stackA: Stack;
let stackB: Stack;
let resA: Record<string, Json>;
let resB: Record<string, Json>;

beforeAll(async () => {
  [a, b] = await Promise.all([
    packageTemplate({ thanosBucket: BUCKET, alertEmail: "ops@example.com,oncall@example.com", kmsKeyArn: KMS_KEY }),
    packageTemplate({
      thanosBucket: BUCKET,
      thanosPrefix: "/kubecost/thanos/",
      alertTopicArn: EXISTING_TOPIC,
      perClusterMetrics: "true",
      perClusterAlarm: "true",
      schedule: "rate(1 hour)",
      lateAfter: "90m",
      stallAfter: "3h",
      metricNamespace: "Kubecost/Blockwatch",
      expectedClusters: " prod , staging,",
      clusterOverrides: "batch:stall-after=12h",
    }),
  ]);
  console.log(`serverless package: A ${a.ms} ms, B ${b.ms} ms (in parallel)`);
  stackA = new Stack(a.template);
  stackB = new Stack(b.template);
  resA = stackA.resources();
  resB = stackB.resources();
}, 120_000);

const ofType = (res: Record<string, Json>, type: string) => Object.entries(res).filter(([, r]) => r.Type === type);
const fn = (res: Record<string, Json>) => res.ScheduledLambdaFunction.Properties;
const topicOf = (res: Record<string, Json>) => fn(res).Environment.Variables.ALERT_TOPIC_ARN;

/** Every IAM statement of the stack: the function role's and any AWS::IAM::Policy. */
function iamStatements(res: Record<string, Json>): Json[] {
  const docs: Json[] = [];
  for (const [, r] of Object.entries(res)) {
    if (r.Type === "AWS::IAM::Role") docs.push(...(r.Properties.Policies ?? []).map((p: Json) => p.PolicyDocument));
    if (r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::ManagedPolicy") docs.push(r.Properties.PolicyDocument);
  }
  return docs.flatMap((d) => d.Statement);
}
const asList = (x: Json): Json[] => (Array.isArray(x) ? x : [x]);
const bySid = (res: Record<string, Json>, sid: string) => {
  const found = iamStatements(res).filter((s) => s.Sid === sid);
  expect(found, sid).toHaveLength(1);
  return found[0];
};

describe("the function", () => {
  it("runs the bundled handler on Node 22+ arm64 with a bounded time and memory", () => {
    for (const res of [resA, resB]) {
      const p = fn(res);
      expect(Number(/^nodejs(\d+)\.x$/.exec(p.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(p.Architectures).toEqual(["arm64"]);
      expect(p.Handler).toBe("handlers/scheduled.handler");
      expect(p.MemorySize).toBe(256);
      expect(p.Timeout).toBe(300);
      expect(res.ScheduledLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
      // A run queued behind throttling for more than half an interval (at most 1h) is dropped.
      expect(res.ScheduledLambdaEvConf.Properties.MaximumEventAgeInSeconds).toBe(res === resA ? 3600 : 1800);
      expect(res.ScheduledLogGroup.Properties.RetentionInDays).toBe(30);
    }
  });

  it("gets its whole configuration from the environment", () => {
    expect(fn(resA).Environment.Variables).toEqual({
      THANOS_BUCKET: BUCKET,
      THANOS_PREFIX: "",
      THANOS_REGION: "",
      CLUSTER_LABEL: "cluster_id",
      EXPECTED_CLUSTERS: "",
      LATE_AFTER: "3h30m",
      STALL_AFTER: "4h",
      REMIND_EVERY: "24h",
      CLUSTER_OVERRIDES: "",
      ALERT_TOPIC_ARN: { Ref: "AlertTopic" },
      STATE_BUCKET: { Ref: "StateBucket" },
      STATE_KEY: "state/blockwatch.json",
      FLEET_CONFIG_KEY: "state/fleet.yaml",
      BOARD_KEY: "state/board.html",
      METRIC_NAMESPACE: "Blockwatch",
      PER_CLUSTER_METRICS: "false",
      LOOKBACK: "7d",
      SOURCE: "auto",
      ETL_LATE_AFTER: "3h",
      ETL_STALL_AFTER: "6h",
      ETL_CLUSTER_OVERRIDES: "",
      COMPACTION_BEHIND_AFTER: "12h",
      COMPACTOR_STALL_AFTER: "24h",
      RETENTION: "",
      REPLICA_LABELS: "prometheus_replica,replica,rule_replica",
      GAP_TOLERANCE: "15m",
      MALLOC_ARENA_MAX: "1",
      MALLOC_MMAP_THRESHOLD_: "131072",
      MALLOC_TRIM_THRESHOLD_: "131072",
    });
    expect(fn(resB).Environment.Variables).toMatchObject({
      THANOS_PREFIX: "kubecost/thanos",
      EXPECTED_CLUSTERS: "prod,staging",
      LATE_AFTER: "90m",
      STALL_AFTER: "3h",
      CLUSTER_OVERRIDES: "batch:stall-after=12h",
      ALERT_TOPIC_ARN: EXISTING_TOPIC,
      METRIC_NAMESPACE: "Kubecost/Blockwatch",
      PER_CLUSTER_METRICS: "true",
    });
  });

  it("ships one minified CommonJS file that loads and accepts the stack's environment", () => {
    const code = unzipEntry(a.zip, "handlers/scheduled.cjs");
    expect(code.length).toBeLessThan(3_000_000);
    expect(code.length / code.toString("utf8").split("\n").length).toBeGreaterThan(1000); // minified
    // ASCII only: one other character and V8 holds the whole 1 MB source as two bytes a character.
    expect(code.findIndex((b) => b > 0x7f)).toBe(-1);
    const dir = mkdtempSync(join(tmpdir(), "blockwatch-bundle-"));
    try {
      const file = join(dir, "scheduled.cjs");
      writeFileSync(file, code);
      // The deployed environment, with the stack's own resources given plausible values.
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(fn(resA).Environment.Variables as Record<string, Json>)) {
        env[k] = typeof v === "string" ? v : v.Ref === "AlertTopic" ? "arn:aws:sns:us-east-1:123456789012:blockwatch-test-alerts" : "blockwatch-test-statebucket-1a2b3c";
      }
      const out = execFileSync(process.execPath, ["-e", `const m = require(${JSON.stringify(file)}); console.log(typeof m.handler)`], {
        env: { PATH: process.env.PATH, AWS_REGION: "us-east-1", ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(out.trim()).toBe("function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs on an EventBridge Scheduler schedule at 5 past every even UTC hour, never hours late", () => {
    const schedules = (res: Record<string, Json>) => ofType(res, "AWS::Scheduler::Schedule").map(([, r]) => r.Properties);
    // No legacy scheduled rule, and no resource policy: the scheduler's own role invokes the function.
    expect(ofType(resA, "AWS::Events::Rule")).toEqual([]);
    expect(ofType(resA, "AWS::Lambda::Permission")).toEqual([]);
    expect(schedules(resA)).toHaveLength(1);
    expect(schedules(resA)[0]).toEqual({
      Name: "blockwatch-test-run",
      Description: "blockwatch run (cron(5 0/2 * * ? *))",
      ScheduleExpression: "cron(5 0/2 * * ? *)",
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Target: {
        Arn: { "Fn::GetAtt": ["ScheduledLambdaFunction", "Arn"] },
        RoleArn: { "Fn::GetAtt": ["SchedulerInvokeRole", "Arn"] },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
      },
    });
    // rate(...) is still accepted, and the stale-run cut-off follows it.
    expect(schedules(resB)[0]).toMatchObject({ ScheduleExpression: "rate(1 hour)", Target: { RetryPolicy: { MaximumEventAgeInSeconds: 1800 } } });
  });

  it("lets the scheduler invoke this function and do nothing else, from this account only", () => {
    const role = resA.SchedulerInvokeRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:scheduler:us-east-1:123456789012:schedule-group/default" } },
      },
    ]);
    expect(role.Policies.flatMap((p: Json) => p.PolicyDocument.Statement)).toEqual([
      { Sid: "InvokeBlockwatchRun", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: { "Fn::GetAtt": ["ScheduledLambdaFunction", "Arn"] } },
    ]);
    // The function's own role is not assumable by the scheduler, and cannot invoke anything.
    expect(JSON.stringify(resA.IamRoleLambdaExecution.Properties.AssumeRolePolicyDocument)).not.toContain("scheduler");
    const fnStatements = resA.IamRoleLambdaExecution.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    expect(fnStatements.some((st: Json) => asList(st.Action).some((x: string) => x.startsWith("lambda:")))).toBe(false);
  });
});

describe("IAM", () => {
  it("grants no wildcard action and never the whole Thanos bucket", () => {
    for (const res of [resA, resB]) {
      for (const s of iamStatements(res)) {
        for (const action of asList(s.Action)) expect(action, JSON.stringify(s)).not.toMatch(/\*/);
        for (const r of asList(s.Resource)) {
          expect(r).not.toBe(`arn:aws:s3:::${BUCKET}/*`);
          if (typeof r === "string" && r.startsWith(`arn:aws:s3:::${BUCKET}`)) {
            expect(asList(s.Action).every((x: string) => x === "s3:ListBucket" || x === "s3:GetObject"), JSON.stringify(s)).toBe(true);
          }
        }
      }
    }
  });

  it("reads only meta.json and deletion-mark.json of the Thanos bucket, under its prefix", () => {
    expect(bySid(resA, "ListThanosBucket")).toMatchObject({ Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${BUCKET}` });
    expect(bySid(resA, "ReadThanosBlockMeta")).toMatchObject({
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`arn:aws:s3:::${BUCKET}/*/meta.json`, `arn:aws:s3:::${BUCKET}/*/deletion-mark.json`],
    });
    expect(bySid(resB, "ListThanosBucket").Resource).toBe(`arn:aws:s3:::${BUCKET}`);
    expect(bySid(resB, "ReadThanosBlockMeta").Resource).toEqual([
      `arn:aws:s3:::${BUCKET}/kubecost/thanos/*/meta.json`,
      `arn:aws:s3:::${BUCKET}/kubecost/thanos/*/deletion-mark.json`,
    ]);
    const thanosStatements = iamStatements(resA).filter((s) => JSON.stringify(s.Resource).includes(BUCKET));
    expect(thanosStatements.map((s) => s.Sid).sort()).toEqual(["ListThanosBucket", "ReadThanosBlockMeta"]);
  });

  it("reads and writes only the state key (and its set-aside copies) of the state bucket", () => {
    const arn = { "Fn::GetAtt": ["StateBucket", "Arn"] };
    expect(bySid(resA, "ReadWriteState")).toMatchObject({
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: { "Fn::Join": ["", [arn, "/state/blockwatch.json"]] },
    });
    expect(bySid(resA, "SetAsideDamagedState")).toMatchObject({
      Action: ["s3:PutObject"],
      Resource: { "Fn::Join": ["", [arn, "/state/blockwatch.json.*"]] },
    });
    // The fleet config: read only, that one object.
    expect(bySid(resA, "ReadFleetConfig")).toMatchObject({ Action: ["s3:GetObject"], Resource: { "Fn::Join": ["", [arn, "/state/fleet.yaml"]] } });
    // The board it draws for the widget: written, never read, that one object.
    expect(bySid(resA, "WriteBoard")).toMatchObject({ Action: ["s3:PutObject"], Resource: { "Fn::Join": ["", [arn, "/state/board.html"]] } });
    // Its old versions go after a day (redrawn every run); the state's stay 30 days.
    const rules = resA.StateBucket.Properties.LifecycleConfiguration.Rules;
    expect(rules.find((r: Json) => r.Id === "ExpireOldBoardVersions")).toMatchObject({ Status: "Enabled", Prefix: "state/board.html", NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
    // Lets a missing state object answer 404 (first run) instead of 403.
    expect(bySid(resA, "ListStateBucket")).toMatchObject({ Action: ["s3:ListBucket"], Resource: arn });
  });

  it("publishes metrics only to its namespace and alerts only to its topic", () => {
    expect(bySid(resA, "PutBlockwatchMetrics")).toEqual({
      Sid: "PutBlockwatchMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "Blockwatch" } },
    });
    expect(bySid(resB, "PutBlockwatchMetrics").Condition).toEqual({ StringEquals: { "cloudwatch:namespace": "Kubecost/Blockwatch" } });
    expect(bySid(resA, "PublishAlerts")).toMatchObject({ Action: ["sns:Publish"], Resource: { Ref: "AlertTopic" } });
    expect(bySid(resB, "PublishAlerts")).toMatchObject({ Action: ["sns:Publish"], Resource: EXISTING_TOPIC });
  });

  it("decrypts with the Thanos bucket's KMS key only when one is given", () => {
    const kms = (res: Record<string, Json>) => iamStatements(res).filter((s) => asList(s.Action).some((x: string) => x.startsWith("kms:")));
    expect(kms(resA)).toEqual([
      {
        Sid: "DecryptThanosObjects",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KMS_KEY,
        Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
      },
    ]);
    expect(resA.ThanosKmsDecryptPolicy.Properties.Roles).toEqual([{ Ref: "IamRoleLambdaExecution" }]);
    expect(kms(resB)).toEqual([]);
    expect(resB.ThanosKmsDecryptPolicy).toBeUndefined();
  });

  it("keeps the Framework's log permissions to the service's own log groups", () => {
    const logs = iamStatements({ role: resA.IamRoleLambdaExecution }).filter((s) => asList(s.Action).some((x: string) => x.startsWith("logs:")));
    expect(logs.length).toBeGreaterThan(0);
    for (const s of logs) {
      for (const r of asList(s.Resource)) {
        expect(JSON.stringify(r)).toMatch(/log-group:\/aws\/lambda\/blockwatch-test[*-]/);
      }
    }
    const all = iamStatements(resA).map((s) => s.Sid ?? asList(s.Action).join(","));
    console.log(`IAM statements (A): ${all.join(" | ")}`);
  });
});

describe("the board widget function", () => {
  const widget = (res: Record<string, Json>) => res.BoardWidgetLambdaFunction.Properties;

  it("runs the bundled widget handler with its own role, a bounded time and the monitor's settings", () => {
    for (const res of [resA, resB]) {
      const p = widget(res);
      expect(p.Handler).toBe("handlers/board-widget.handler");
      expect(p.Role).toEqual({ "Fn::GetAtt": ["BoardWidgetRole", "Arn"] });
      expect(p.Timeout).toBeLessThanOrEqual(15);
      // A view returns the board the run drew; 256 MB holds the fallback's drawing at 10,000 clusters.
      expect(p.MemorySize).toBe(256);
      expect(p.Architectures).toEqual(["arm64"]);
      // The same policy as the runs it draws (thresholds, expected clusters, state object).
      const { STALE_AFTER_SECONDS, ...env } = p.Environment.Variables;
      expect(env).toEqual(fn(res).Environment.Variables);
      expect(STALE_AFTER_SECONDS).toBe(res === resA ? "21600" : "10800");
    }
  });

  it("may read the board the run drew and the state object, and write its own logs, nothing else", () => {
    const role = resA.BoardWidgetRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = role.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    expect(statements).toEqual([
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: { "Fn::GetAtt": ["BoardWidgetLogGroup", "Arn"] } },
      {
        Sid: "ReadBoardAndState",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [
          { "Fn::Join": ["", [{ "Fn::GetAtt": ["StateBucket", "Arn"] }, "/state/board.html"]] },
          { "Fn::Join": ["", [{ "Fn::GetAtt": ["StateBucket", "Arn"] }, "/state/blockwatch.json"]] },
        ],
      },
    ]);
    // No other policy attaches to it.
    for (const [, r] of ofType(resA, "AWS::IAM::Policy")) expect(JSON.stringify(r.Properties.Roles)).not.toContain("BoardWidgetRole");
  });

  it("ships a widget bundle that loads with the stack's environment", () => {
    const code = unzipEntry(a.zip, "handlers/board-widget.cjs");
    expect(code.findIndex((b) => b > 0x7f)).toBe(-1); // ASCII: its source held one byte a character
    const dir = mkdtempSync(join(tmpdir(), "blockwatch-widget-bundle-"));
    try {
      const file = join(dir, "board-widget.cjs");
      writeFileSync(file, code);
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(widget(resA).Environment.Variables as Record<string, Json>)) {
        env[k] = typeof v === "string" ? v : v.Ref === "AlertTopic" ? "arn:aws:sns:us-east-1:123456789012:blockwatch-test-alerts" : "blockwatch-test-statebucket-1a2b3c";
      }
      const out = execFileSync(process.execPath, ["-e", `const m = require(${JSON.stringify(file)}); m.handler({ describe: true }, { getRemainingTimeInMillis: () => 15000 }).then((d) => console.log(d.split("\\n")[0]))`], {
        env: { PATH: process.env.PATH, AWS_REGION: "us-east-1", ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(out.trim()).toBe("## blockwatch board");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("state bucket", () => {
  it("is encrypted, private, TLS-only and kept on stack removal", () => {
    const bucket = resA.StateBucket;
    expect(bucket.Type).toBe("AWS::S3::Bucket");
    expect(bucket.DeletionPolicy).toBe("Retain");
    const p = bucket.Properties;
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.VersioningConfiguration.Status).toBe("Enabled");
    expect(p.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays).toBeGreaterThan(0);
    const policy = resA.StateBucketPolicy.Properties;
    expect(policy.Bucket).toEqual({ Ref: "StateBucket" });
    const deny = policy.PolicyDocument.Statement.find((s: Json) => s.Effect === "Deny");
    expect(deny).toMatchObject({ Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(deny.Resource).toContainEqual({ "Fn::GetAtt": ["StateBucket", "Arn"] });
    expect(deny.Resource).toContainEqual({ "Fn::Join": ["", [{ "Fn::GetAtt": ["StateBucket", "Arn"] }, "/*"]] });
  });
});

describe("alerting", () => {
  it("creates a topic with one email subscription per address, unless a topic is given", () => {
    expect(resA.AlertTopic.Type).toBe("AWS::SNS::Topic");
    const subsA = ofType(resA, "AWS::SNS::Subscription").map(([, r]) => r.Properties);
    expect(subsA).toEqual([
      { Protocol: "email", TopicArn: { Ref: "AlertTopic" }, Endpoint: "ops@example.com" },
      { Protocol: "email", TopicArn: { Ref: "AlertTopic" }, Endpoint: "oncall@example.com" },
    ]);
    expect(ofType(resB, "AWS::SNS::Topic")).toEqual([]);
    expect(ofType(resB, "AWS::SNS::Subscription")).toEqual([]);
    expect(topicOf(resB)).toBe(EXISTING_TOPIC);
  });

  it("subscribes up to five addresses", () => {
    const five = ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"];
    const stack = new Stack({ ...a.template, Parameters: { ...a.template.Parameters, AlertEmails: { Type: "String", Default: five.join(",") } } });
    expect(ofType(stack.resources(), "AWS::SNS::Subscription").map(([, r]) => r.Properties.Endpoint)).toEqual(five);
    const none = new Stack({ ...a.template, Parameters: { ...a.template.Parameters, AlertEmails: { Type: "String", Default: "" } } });
    expect(ofType(none.resources(), "AWS::SNS::Subscription")).toEqual([]);
  });

  it("alarms when the monitor stops completing runs (missing data breaches)", () => {
    const hb = (res: Record<string, Json>) => res.MonitorNotReportingAlarm.Properties;
    expect(hb(resA)).toMatchObject({
      Namespace: "Blockwatch",
      MetricName: "RunSucceeded",
      Statistic: "Sum",
      Period: 7200,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
      AlarmActions: [{ Ref: "AlertTopic" }],
      OKActions: [{ Ref: "AlertTopic" }],
    });
    expect(hb(resB)).toMatchObject({ Namespace: "Kubecost/Blockwatch", Period: 3600, EvaluationPeriods: 3, AlarmActions: [EXISTING_TOPIC] });
  });

  it("has one alarm of its own by default (not reporting): failed runs are graphed on the dashboard, not alarmed on", () => {
    const alarms = (res: Record<string, Json>) => Object.keys(res).filter((k) => (res[k] as { Type?: string }).Type === "AWS::CloudWatch::Alarm");
    expect(alarms(resA)).toEqual(["MonitorNotReportingAlarm"]);
    const body = JSON.stringify(resA.Dashboard ?? {});
    expect(body).toContain("Errors");
  });

  it("adds the per-cluster Metrics Insights alarm only when asked", () => {
    expect(resA.ClusterDataLagAlarm).toBeUndefined();
    const p = resB.ClusterDataLagAlarm.Properties;
    expect(p.Threshold).toBe(3 * 3600);
    expect(p.ComparisonOperator).toBe("GreaterThanThreshold");
    expect(p.Metrics).toEqual([
      {
        Id: "lag",
        // A multi-series (GROUP BY) alarm query needs ORDER BY.
        Expression: 'SELECT MAX(DataLagSeconds) FROM SCHEMA("Kubecost/Blockwatch", Cluster) GROUP BY Cluster ORDER BY MAX() DESC',
        Period: 3600,
        ReturnData: true,
      },
    ]);
    // Metrics Insights alarms see only the last 3 hours.
    expect(p.Metrics[0].Period * p.EvaluationPeriods).toBeLessThanOrEqual(3 * 3600);
    expect(p.AlarmActions).toEqual([EXISTING_TOPIC]);
  });
});

describe("dashboard", () => {
  const WIDGET_ARN = "arn:aws:lambda:us-east-1:123456789012:function:blockwatch-test-boardWidget";
  const body = (res: Record<string, Json>) => {
    const v = res.Dashboard.Properties.DashboardBody;
    const parts = typeof v === "string" ? [v] : (v["Fn::Join"][1] as Json[]);
    const known: Record<string, string> = { '{"Fn::GetAtt":["BoardWidgetLambdaFunction","Arn"]}': WIDGET_ARN, '{"Ref":"ScheduledLambdaFunction"}': "blockwatch-test-scheduled" };
    for (const p of parts) expect(typeof p === "string" || JSON.stringify(p) in known, "DashboardBody resolves but for the functions' names").toBe(true);
    return JSON.parse(parts.map((p) => (typeof p === "string" ? p : known[JSON.stringify(p)])).join("")) as { widgets: Json[] };
  };
  const queries = (d: { widgets: Json[] }) =>
    d.widgets.flatMap((w) => (w.properties.metrics ?? []).flat().filter((m: Json) => m && typeof m === "object" && m.expression).map((m: Json) => m.expression as string));

  it("puts the status board first, as a custom widget backed by the widget function", () => {
    for (const res of [resA, resB]) {
      // The function's ARN is only known at deploy: the body joins it in.
      expect(res.Dashboard.Properties.DashboardBody["Fn::Join"][1]).toContainEqual({ "Fn::GetAtt": ["BoardWidgetLambdaFunction", "Arn"] });
      const custom = body(res).widgets.filter((w) => w.type === "custom");
      expect(custom).toHaveLength(1);
      expect(custom[0]).toMatchObject({ x: 0, y: 2, width: 24, properties: { endpoint: WIDGET_ARN, updateOn: { refresh: true } } });
    }
  });

  it("has per-cluster widgets only with perClusterMetrics=true", () => {
    const text = (res: Record<string, Json>) => JSON.stringify(body(res));
    expect(text(resA)).not.toContain("GROUP BY Cluster");
    expect(text(resA)).not.toContain("MAX(DataLagSeconds)");
    expect(text(resB)).toContain("GROUP BY Cluster");
  });

  it("is valid JSON with per-cluster Metrics Insights widgets grouped by Cluster", () => {
    const d = body(resB);
    const q = queries(d);
    for (const metric of ["DataLagSeconds", "UploadAgeSeconds", "BlocksUploaded", "BytesUploaded", "Stalled"]) {
      expect(q.some((e) => e.includes(`(${metric}) FROM SCHEMA("Kubecost/Blockwatch", Cluster) GROUP BY Cluster ORDER BY`)), metric).toBe(true);
    }
    for (const w of d.widgets.filter((w) => w.type === "metric")) expect(w.properties.region).toBe("us-east-1");
  });

  it("shows the run-level metrics", () => {
    const named = body(resA).widgets.flatMap((w) => (w.properties.metrics ?? []).filter((m: Json) => Array.isArray(m) && typeof m[0] === "string").map((m: Json) => `${m[0]}/${m[1]}`));
    for (const m of ["ClustersOk", "ClustersLate", "ClustersStalled", "ClustersMissing", "WorstDataLagSeconds", "RunSucceeded"]) {
      expect(named, m).toContain(`Blockwatch/${m}`);
    }
    expect(named).toContain("AWS/Lambda/Duration");
  });

  it("draws the late and stalled thresholds, in seconds, on the data lag widget", () => {
    const lag = (res: Record<string, Json>) =>
      body(res).widgets.find((w) => JSON.stringify(w.properties.metrics ?? []).includes("MAX(DataLagSeconds)"));
    expect(lag(resB).properties.annotations.horizontal.map((h: Json) => h.value)).toEqual([5400, 10800]);
  });
});

describe("outputs", () => {
  it("names the topic, the state bucket and the dashboard", () => {
    const o = stackA.outputs();
    expect(o.AlertTopicArn).toEqual({ Ref: "AlertTopic" });
    expect(o.StateBucketName).toEqual({ Ref: "StateBucket" });
    expect(o.DashboardUrl).toEqual({ "Fn::Sub": expect.stringMatching(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/.*\$\{Dashboard\}$/) });
    expect(stackB.outputs().AlertTopicArn).toBe(EXISTING_TOPIC);
  });
});

describe("cfn-lint", () => {
  if (!HAS_CFN_LINT) console.warn("cfn-lint not found on PATH: the template lint test is skipped");
  it.skipIf(!HAS_CFN_LINT)("finds no error in either template", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blockwatch-lint-"));
    try {
      const files = [a, b].map((p, i) => {
        const f = join(dir, `template-${"ab"[i]}.json`);
        writeFileSync(f, JSON.stringify(p.template));
        return f;
      });
      const out = await new Promise<string>((done, fail) =>
        execFile("cfn-lint", ["--format", "json", "--", ...files], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          // Exit codes are a bitmask of the levels found; the JSON says which.
          if (err && !stdout) fail(new Error(`cfn-lint failed: ${stderr}`));
          else done(String(stdout));
        }),
      );
      const matches = (out.trim() ? JSON.parse(out) : []) as { Rule: { Id: string }; Message: string; Filename: string }[];
      const line = (m: (typeof matches)[number]) => `${m.Rule.Id} ${m.Filename.slice(dir.length + 1)}: ${m.Message}`;
      const nonErrors = matches.filter((m) => !m.Rule.Id.startsWith("E"));
      if (nonErrors.length) console.log(`cfn-lint warnings:\n${nonErrors.map(line).join("\n")}`);
      expect(matches.filter((m) => m.Rule.Id.startsWith("E")).map(line)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("the Lambda's 4 KB of environment (deploy/env-size.cjs)", () => {
  const envSize = createRequire(import.meta.url)("../deploy/env-size.cjs") as { oversizeEnvironments(t: Json): { name: string; size: number }[] };
  // 17-character names: prod-cluster-0001
  const names = (n: number) => Array.from({ length: n }, (_, i) => `prod-cluster-${String(i).padStart(4, "0")}`).join(",");
  const withExpected = (n: number): Json => {
    const t = structuredClone(a.template);
    fn(t.Resources).Environment.Variables.EXPECTED_CLUSTERS = names(n);
    return t;
  };

  it("counts what Refs become: packaging refuses names that cfn-lint's E3697 (literal strings only) lets through", () => {
    expect(envSize.oversizeEnvironments(a.template)).toEqual([]);
    // The first count of 17-character names that no longer fits, Refs at their longest.
    let first = 100;
    while (envSize.oversizeEnvironments(withExpected(first)).length === 0) first++;
    expect(first).toBeGreaterThan(150);
    expect(first).toBeLessThan(230);
    const over = envSize.oversizeEnvironments(withExpected(first));
    expect(over.map((o) => o.name)).toEqual(["ScheduledLambdaFunction"]);
    expect(over[0]!.size).toBeGreaterThan(4096);
    if (!HAS_CFN_LINT) return;
    const lint = (t: Json): string => {
      const dir = mkdtempSync(join(tmpdir(), "blockwatch-env-"));
      const file = join(dir, "t.json");
      writeFileSync(file, JSON.stringify(t));
      try {
        return execFileSync("cfn-lint", ["--", file], { encoding: "utf8" });
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? "");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(lint(withExpected(first))).not.toContain("E3697");
    expect(lint(withExpected(first + 40))).toContain("E3697");
  }, 60_000);

  it("fails packaging with a message naming the fleet config object", async () => {
    const r = await packageFailure({ thanosBucket: BUCKET, expectedClusters: names(230) });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/blockwatch: the Lambda environment of ScheduledLambdaFunction would be about \d+ bytes, over AWS Lambda's 4 KB/);
    expect(r.stdout + r.stderr).toContain("fleet config object s3://<StateBucketName output>/state/fleet.yaml");
  }, 60_000);
});

describe("deploy-time params (deploy/config.cjs)", () => {
  const build = (over: Record<string, string>) => deployConfig.buildConfig({ ...DEFAULT_PARAMS, thanosBucket: BUCKET, ...over });

  it("parses durations exactly like the handler", () => {
    for (const text of ["3h30m", "90s", "90m", "2d", "1w", "500ms", "1.5h", "0", "1h30m15s", "", "3x", "h", "1h 30m", "-1h", "4H"]) {
      let expected: number | null;
      try {
        expected = parseDuration(text);
      } catch {
        expected = null;
      }
      expect(deployConfig.durationMs(text), text).toBe(expected);
    }
  });

  it("derives alarm periods from the schedule within CloudWatch's limits", () => {
    expect(build({ schedule: "rate(5 minutes)" })).toMatchObject({ heartbeatPeriod: 300, heartbeatEvaluationPeriods: 3, dashboardPeriod: 300, maxEventAgeSeconds: 150 });
    expect(build({ schedule: "rate(1 day)" })).toMatchObject({ heartbeatPeriod: 86400, heartbeatEvaluationPeriods: 3, perClusterAlarmPeriod: 10800, maxEventAgeSeconds: 3600 });
    expect(build({ schedule: "rate(3 days)" })).toMatchObject({ heartbeatPeriod: 259200, heartbeatEvaluationPeriods: 2 });
  });

  it("reads a cron schedule's interval from its expression: three missed runs still alarm", () => {
    // The default: every 2 hours, so the alarm fires after 3 x 2h without a run, as with rate(2 hours).
    expect(build({})).toMatchObject({ scheduleIntervalSeconds: 7200, heartbeatPeriod: 7200, heartbeatEvaluationPeriods: 3, dashboardPeriod: 7200, maxEventAgeSeconds: 3600 });
    expect(build({ schedule: "cron(0/10 * * * ? *)" })).toMatchObject({ heartbeatPeriod: 600, heartbeatEvaluationPeriods: 3, maxEventAgeSeconds: 300 });
    expect(build({ schedule: "cron(30 1 * * ? *)" })).toMatchObject({ heartbeatPeriod: 86400, heartbeatEvaluationPeriods: 3 });
    // Uneven gaps: the longest one (Friday 20:00 to Monday 08:00) is the period.
    expect(build({ schedule: "cron(0 8,20 ? * MON-FRI *)" })).toMatchObject({ scheduleIntervalSeconds: 60 * 3600, heartbeatPeriod: 60 * 3600, heartbeatEvaluationPeriods: 2 });
  });

  it.each([
    [{ thanosBucket: "" }, /param "thanosBucket" is required/],
    [{ thanosBucket: "s3://kc-thanos-store" }, /not an S3 bucket name/],
    [{ lateAfter: "5h" }, /"stallAfter" \(4h\) must be at least "lateAfter"/],
    [{ source: "etl" }, /param "source" must be thanos, federated-etl or auto/],
    [{ etlLateAfter: "8h" }, /"etlStallAfter" \(6h\) must be at least "etlLateAfter"/],
    [{ stallAfter: "4 hours" }, /"stallAfter" is not a duration/],
    [{ schedule: "rate(1 hours)" }, /rate\(1 hour\)/],
    [{ schedule: "every 2h" }, /param "schedule"/],
    [{ schedule: "cron(5 0/2 * * * *)" }, /one of day-of-month and day-of-week must be "\?"/],
    [{ schedule: "cron(0 25 * * ? *)" }, /not an EventBridge cron expression \(Invalid: number 25 is not between 0 and 23\)/],
    [{ schedule: "cron(0 0 1 1 ? 2020)" }, /never fires again/],
    [{ schedule: "cron(0 0 1 * ? *)" }, /less often than once a week/],
    [{ alertEmail: "a@x.io,b@x.io,c@x.io,d@x.io,e@x.io,f@x.io" }, /at most 5/],
    [{ alertEmail: "ops" }, /not an email address/],
    [{ kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:alias/thanos" }, /not an alias/],
    [{ alertTopicArn: "ops-alerts" }, /not a standard SNS topic ARN/],
    [{ perClusterAlarm: "true", perClusterMetrics: "false" }, /needs "perClusterMetrics=true"/],
    // Its Metrics Insights query sees only the last 3 hours: runs must be closer together.
    [{ perClusterAlarm: "true", perClusterMetrics: "true", schedule: "rate(3 hours)" }, /needs a schedule under 3 hours/],
    [{ perClusterAlarm: "true", perClusterMetrics: "true", schedule: "cron(0 */4 * * ? *)" }, /needs a schedule under 3 hours/],
    [{ perClusterMetrics: "yes" }, /must be true or false/],
    [{ clusterOverrides: "prod:stall=2h" }, /clusterOverrides/],
    // The Lambda would refuse it on every run: stall-after 3h below the default late-after 3h30m.
    [{ clusterOverrides: "dev-1:stall-after=3h" }, /stall-after 10800s below late-after 12600s/],
    [{ metricNamespace: "AWS/Lambda" }, /metricNamespace/],
    [{ thanosPrefix: "thanos/*" }, /thanosPrefix/],
    [{ replicaLabels: "replica,prometheus-replica" }, /"prometheus-replica" is not a Prometheus label name/],
    [{ replicaLabels: "replica,cluster_id" }, /must not hold the cluster label/],
    [{ gapTolerance: "15 minutes" }, /"gapTolerance" is not a duration/],
  ])("refuses %j", (over, message) => {
    expect(() => build(over)).toThrow(message);
  });

  it("refuses a misspelt --param instead of silently ignoring it", () => {
    const known = { thanosBucket: "", expectedClusters: "" };
    expect(() => deployConfig.checkParamNames(["thanosBucket=x", "expectedClusters=a,b"], known)).not.toThrow();
    expect(() => deployConfig.checkParamNames(["thanosBucket=x", "expectedCluster=a"], known)).toThrow(/unknown param "expectedCluster"/);
  });

  it("fails packaging with a clear message when thanosBucket is missing", async () => {
    const r = await packageFailure({ alertEmail: "ops@example.com" });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('blockwatch: param "thanosBucket" is required');
  }, 60_000);
});
