'use strict';
/**
 * Deploy-time settings of blockwatch, resolved by `serverless package|deploy` (offline: no AWS
 * call). serverless.yml declares every setting with its default under `custom.params` (the
 * `--param="name=value"` values); this file checks them once and derives what CloudFormation
 * cannot compute: durations in seconds (dashboard lines, alarm thresholds), alarm periods from the
 * schedule, the IAM resource ARNs and the dashboard body. serverless.yml reads the result as
 * `${self:custom.cfg.<name>}`.
 *
 * A bad or missing param fails packaging with a one-line "blockwatch: ..." message.
 * No value returned here may contain "${": the Framework would try to resolve it as a variable.
 */

// Go / Prometheus durations, the grammar of lib/domain/duration.ts (test/template.test.ts checks
// that both agree): "3h30m", "90s", "2d", "1w".
const UNIT_MS = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 };
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/y;

/** Milliseconds of a duration, or null when it does not parse. */
function durationMs(text) {
  const s = String(text).trim();
  if (s === '0') return 0;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    PART_RE.lastIndex = at;
    const m = PART_RE.exec(s);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]];
    at = PART_RE.lastIndex;
  }
  if (s.length === 0 || at !== s.length || !Number.isFinite(total)) return null;
  return Math.round(total);
}

class ConfigError extends Error {
  constructor(message) {
    super(`blockwatch: ${message}`);
    this.name = 'ConfigError';
    // The Framework prints the stack of a resolver's error: keep it to the message.
    this.stack = this.message;
  }
}

const fail = (message) => {
  throw new ConfigError(message);
};

const str = (raw, name) => (raw[name] == null ? '' : String(raw[name]).trim());

function bool(raw, name) {
  const v = str(raw, name).toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fail(`param "${name}" must be true or false, got "${raw[name]}"`);
}

function seconds(raw, name, { min = 1 } = {}) {
  const ms = durationMs(str(raw, name));
  if (ms === null) fail(`param "${name}" is not a duration: "${raw[name]}" (use 90m, 3h30m, 2d, ...)`);
  const s = Math.round(ms / 1000);
  if (s < min) fail(`param "${name}" must be at least ${min}s, got "${raw[name]}"`);
  return s;
}

/**
 * Seconds between runs: `rate(2 hours)` -> 7200; `cron(5 0/2 * * ? *)` -> 7200, the longest gap
 * between two fires of the cron over the next 8 days (so a weekday-only cron gets its weekend gap).
 * Alarm periods and the stale-run cut-off are derived from it.
 */
function scheduleInterval(schedule) {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2];
    if (n < 1) fail(`param "schedule": the rate must be at least 1, got "${schedule}"`);
    if ((n === 1) !== !unit.endsWith('s')) {
      const one = unit.replace(/s$/, '');
      fail(`param "schedule": EventBridge wants "rate(1 ${one})" but "rate(${n === 1 ? 2 : n} ${one}s)", got "${schedule}"`);
    }
    const unitSeconds = unit.startsWith('minute') ? 60 : unit.startsWith('hour') ? 3600 : 86400;
    return n * unitSeconds;
  }
  const cron = /^cron\((\S+( \S+){5})\)$/.exec(schedule);
  if (cron) return cronInterval(schedule, cron[1]);
  return fail(`param "schedule" must be "rate(N minutes|hours|days)" or a six-field "cron(...)", got "${schedule}"`);
}

// aws-cron-parser evaluates EventBridge's six-field cron (minutes hours day-of-month month
// day-of-week year, with ? L W #) but assumes AWS validated it: the checks it skips are made here.
function cronInterval(schedule, fields) {
  const f = fields.split(' ');
  if ((f[2] === '?') === (f[4] === '?')) {
    fail(`param "schedule": one of day-of-month and day-of-week must be "?", the other not (e.g. "cron(5 0/2 * * ? *)"), got "${schedule}"`);
  }
  const cronParser = require('aws-cron-parser');
  let parsed;
  try {
    parsed = cronParser.parse(fields);
  } catch (err) {
    fail(`param "schedule": "${schedule}" is not an EventBridge cron expression (${String(err && err.message).replace(/^AwsCronParser : /, '')})`);
  }
  const start = Date.now();
  let at = cronParser.next(parsed, new Date(start));
  if (!at) fail(`param "schedule": "${schedule}" never fires again`);
  let longest = 0;
  for (let fires = 0; fires === 0 || (at.getTime() - start < 8 * DAY * 1000 && fires < 20000); fires++) {
    const next = cronParser.next(parsed, at);
    if (!next) fail(`param "schedule": "${schedule}" stops firing: blockwatch needs a schedule that keeps running`);
    longest = Math.max(longest, (next.getTime() - at.getTime()) / 1000);
    at = next;
  }
  return longest;
}

/** A run invoked this long after its time is dropped: the next scheduled run is nearer (1 min .. 1 h). */
function maxEventAge(intervalSeconds) {
  return Math.max(60, Math.min(3600, Math.floor(intervalSeconds / 2)));
}

// Same syntax as lib/policy/policy.ts parseClusterOverrides: "a:late-after=1h,stall-after=2h;b:stall-after=12h".
// Each cluster's thresholds are checked as the Lambda will check them (defaults applied, and
// lib/policy/policy.ts validatePolicy's rules), so an override the Lambda would refuse fails
// packaging instead of every run.
function checkClusterOverrides(text, lateAfterSeconds, stallAfterSeconds, lookbackSeconds) {
  for (const spec of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const colon = spec.lastIndexOf(':');
    if (colon <= 0) fail(`param "clusterOverrides": "${spec}" is not NAME:late-after=DUR,stall-after=DUR`);
    let late = lateAfterSeconds * 1000;
    let stall = stallAfterSeconds * 1000;
    for (const kv of spec.slice(colon + 1).split(',')) {
      const [key, value] = kv.split('=').map((s) => s.trim());
      const ms = value ? durationMs(value) : null;
      if ((key !== 'late-after' && key !== 'stall-after') || ms === null) {
        fail(`param "clusterOverrides": "${kv}" in "${spec}" is not late-after=DUR or stall-after=DUR`);
      }
      if (key === 'late-after') late = ms;
      else stall = ms;
    }
    if (!(late > 0 && stall >= late)) {
      fail(`param "clusterOverrides": "${spec}" gives stall-after ${stall / 1000}s below late-after ${late / 1000}s (with the defaults lateAfter/stallAfter filled in): raise stall-after too`);
    }
    if (stall > lookbackSeconds * 1000) {
      fail(`param "clusterOverrides": "${spec}" gives stall-after ${stall / 1000}s, longer than lookback ${lookbackSeconds}s: a stalled cluster's blocks would leave the lookback window before it is judged stalled; raise lookback to at least that`);
    }
  }
}

const MAX_EMAILS = 5; // one AWS::SNS::Subscription slot each in serverless.yml
const EMAIL_RE = /^[^\s@,;"'<>]+@[^\s@,;"'<>]+\.[^\s@,;"'<>]+$/;
const KMS_KEY_RE = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const TOPIC_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
// Lenient on length (S3 wants 3-63): it is there to catch s3:// URLs, ARNs and paths.
const BUCKET_RE = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NAMESPACE_RE = /^[0-9A-Za-z.\-_/#:]{1,255}$/;

// CloudWatch: an alarm's period x evaluation periods is at most 1 day for periods under an hour,
// 7 days otherwise; a Metrics Insights alarm only sees the last 3 hours.
const DAY = 86400;
const METRICS_INSIGHTS_WINDOW = 3 * 3600;

/** Heartbeat alarm: no successful run in 3 consecutive schedule intervals (2h -> 3 x 2h). */
function heartbeatWindow(intervalSeconds) {
  const limit = intervalSeconds < 3600 ? DAY : 7 * DAY;
  if (intervalSeconds > limit) fail(`param "schedule": runs less often than once a week cannot be watched by an alarm`);
  return { period: intervalSeconds, evaluationPeriods: Math.max(1, Math.min(3, Math.floor(limit / intervalSeconds))) };
}

/**
 * Checks the raw params (strings, as given on the command line or defaulted in serverless.yml)
 * and returns the values serverless.yml uses. Exported for the tests.
 */
function buildConfig(raw) {
  raw = raw || {};
  const thanosBucket = str(raw, 'thanosBucket');
  if (!thanosBucket) {
    fail('param "thanosBucket" is required: the Thanos bucket to watch, e.g. --param="thanosBucket=kc-thanos-store"');
  }
  if (!BUCKET_RE.test(thanosBucket) || thanosBucket.includes('..')) {
    fail(`param "thanosBucket" is not an S3 bucket name: "${thanosBucket}" (give the name, not s3:// or an ARN)`);
  }
  const thanosPrefix = str(raw, 'thanosPrefix').replace(/^\/+|\/+$/g, '');
  if (/[*?]|\$\{/.test(thanosPrefix)) fail(`param "thanosPrefix" must not contain *, ? or \${: "${thanosPrefix}"`);

  const thanosRegion = str(raw, 'thanosRegion');
  if (thanosRegion && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(thanosRegion)) fail(`param "thanosRegion" is not an AWS region: "${thanosRegion}"`);

  const clusterLabel = str(raw, 'clusterLabel');
  if (!LABEL_RE.test(clusterLabel)) fail(`param "clusterLabel" is not a Prometheus label name: "${clusterLabel}"`);
  // Absent (an older caller): the handler's defaults.
  const replicaLabels = (raw.replicaLabels == null ? 'prometheus_replica,replica,rule_replica' : str(raw, 'replicaLabels')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const r of replicaLabels) if (!LABEL_RE.test(r)) fail(`param "replicaLabels": "${r}" is not a Prometheus label name`);
  if (replicaLabels.includes(clusterLabel)) fail(`param "replicaLabels" must not hold the cluster label "${clusterLabel}"`);
  const expectedClusters = str(raw, 'expectedClusters').split(',').map((s) => s.trim()).filter(Boolean).join(',');

  const schedule = str(raw, 'schedule');
  const intervalSeconds = scheduleInterval(schedule);
  const lateAfterSeconds = seconds(raw, 'lateAfter');
  const stallAfterSeconds = seconds(raw, 'stallAfter');
  if (stallAfterSeconds < lateAfterSeconds) {
    fail(`param "stallAfter" (${raw.stallAfter}) must be at least "lateAfter" (${raw.lateAfter}): raise stallAfter too`);
  }
  // 0: no reminders, as in the CLI and the Lambda (lib/alerts/decide.ts).
  const remindEverySeconds = seconds(raw, 'remindEvery', { min: 0 });
  const lookbackSeconds = seconds(raw, 'lookback');
  const gapTolerance = str(raw, 'gapTolerance') || '15m';
  seconds({ gapTolerance }, 'gapTolerance', { min: 0 });
  if (lookbackSeconds < stallAfterSeconds) {
    fail(`param "lookback" (${raw.lookback}) is shorter than "stallAfter" (${raw.stallAfter}): a stalled cluster's blocks would leave the lookback window before it is judged stalled; give a lookback of at least stallAfter`);
  }
  // Absent (an older caller): the handler's defaults.
  const compactionBehindAfter = str(raw, 'compactionBehindAfter') || '12h';
  const compactorStallAfter = str(raw, 'compactorStallAfter') || '24h';
  seconds({ compactionBehindAfter }, 'compactionBehindAfter');
  seconds({ compactorStallAfter }, 'compactorStallAfter');
  const retention = str(raw, 'retention');
  if (retention) seconds(raw, 'retention');
  const clusterOverrides = str(raw, 'clusterOverrides');
  checkClusterOverrides(clusterOverrides, lateAfterSeconds, stallAfterSeconds, lookbackSeconds);
  // Absent (an older caller): the handler's defaults.
  const source = str(raw, 'source') || 'auto';
  if (!['thanos', 'federated-etl', 'auto'].includes(source)) fail(`param "source" must be thanos, federated-etl or auto: "${source}"`);
  const etl = { etlLateAfter: str(raw, 'etlLateAfter') || '3h', etlStallAfter: str(raw, 'etlStallAfter') || '6h' };
  const etlLateAfterSeconds = seconds(etl, 'etlLateAfter');
  const etlStallAfterSeconds = seconds(etl, 'etlStallAfter');
  if (etlStallAfterSeconds < etlLateAfterSeconds) {
    fail(`param "etlStallAfter" (${etl.etlStallAfter}) must be at least "etlLateAfter" (${etl.etlLateAfter}): raise etlStallAfter too`);
  }
  const etlClusterOverrides = str(raw, 'etlClusterOverrides');
  checkClusterOverrides(etlClusterOverrides, etlLateAfterSeconds, etlStallAfterSeconds, lookbackSeconds);

  const emails = str(raw, 'alertEmail').split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of emails) if (!EMAIL_RE.test(e)) fail(`param "alertEmail": "${e}" is not an email address`);
  if (emails.length > MAX_EMAILS) {
    fail(`param "alertEmail" takes at most ${MAX_EMAILS} addresses (got ${emails.length}): subscribe more to the topic, or use a list address`);
  }
  const alertTopicArn = str(raw, 'alertTopicArn');
  if (alertTopicArn && !TOPIC_RE.test(alertTopicArn)) {
    fail(`param "alertTopicArn" is not a standard SNS topic ARN: "${alertTopicArn}"`);
  }
  const kmsKeyArn = str(raw, 'kmsKeyArn');
  if (kmsKeyArn && !KMS_KEY_RE.test(kmsKeyArn)) {
    fail(`param "kmsKeyArn" must be a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias: "${kmsKeyArn}"`);
  }

  const metricNamespace = str(raw, 'metricNamespace');
  if (!NAMESPACE_RE.test(metricNamespace) || metricNamespace.startsWith('AWS/')) {
    fail(`param "metricNamespace" is not a custom CloudWatch namespace: "${metricNamespace}"`);
  }
  const perClusterMetrics = bool(raw, 'perClusterMetrics');
  const perClusterAlarm = bool(raw, 'perClusterAlarm');
  if (perClusterAlarm && !perClusterMetrics) fail('param "perClusterAlarm=true" needs "perClusterMetrics=true"');
  // A Metrics Insights alarm sees only the last 3 hours: with runs further apart it would judge
  // windows without a single datum.
  if (perClusterAlarm && !(intervalSeconds !== null && intervalSeconds < METRICS_INSIGHTS_WINDOW)) {
    fail(`param "perClusterAlarm=true" needs a schedule under 3 hours (its alarm sees only the last 3 hours), got "${schedule}"`);
  }

  const objectBase = thanosPrefix ? `${thanosBucket}/${thanosPrefix}` : thanosBucket;
  const dashboardPeriod = Math.min(intervalSeconds, DAY);
  const heartbeat = heartbeatWindow(intervalSeconds);

  const cfg = {
    thanosBucket,
    thanosPrefix,
    thanosRegion,
    clusterLabel,
    expectedClusters,
    schedule,
    scheduleIntervalSeconds: intervalSeconds,
    maxEventAgeSeconds: maxEventAge(intervalSeconds),
    lateAfter: str(raw, 'lateAfter'),
    stallAfter: str(raw, 'stallAfter'),
    remindEvery: str(raw, 'remindEvery'),
    lookback: str(raw, 'lookback'),
    compactionBehindAfter,
    compactorStallAfter,
    retention,
    lateAfterSeconds,
    stallAfterSeconds,
    remindEverySeconds,
    lookbackSeconds,
    clusterOverrides,
    source,
    etlLateAfter: str(raw, 'etlLateAfter'),
    etlStallAfter: str(raw, 'etlStallAfter'),
    etlClusterOverrides,
    replicaLabels: replicaLabels.join(','),
    gapTolerance,
    alertEmails: emails.join(','),
    alertTopicArn,
    kmsKeyArn,
    metricNamespace,
    perClusterMetrics: String(perClusterMetrics),
    perClusterAlarm: String(perClusterAlarm),
    // IAM: resources of the Thanos bucket, without the partition (serverless.yml prepends it).
    thanosBucketResource: `s3:::${thanosBucket}`,
    thanosMetaResource: `s3:::${objectBase}/*/meta.json`,
    thanosDeletionMarkResource: `s3:::${objectBase}/*/deletion-mark.json`,
    heartbeatPeriod: heartbeat.period,
    heartbeatEvaluationPeriods: heartbeat.evaluationPeriods,
    perClusterAlarmPeriod: Math.min(dashboardPeriod, METRICS_INSIGHTS_WINDOW),
    // The board widget flags a state older than the heartbeat alarm's window (3 runs).
    staleAfterSeconds: heartbeat.period * heartbeat.evaluationPeriods,
    dashboardPeriod,
  };
  cfg.dashboardBody = require('./dashboard.cjs').dashboardBody(cfg);
  return cfg;
}

/** A misspelt --param (expectedCluster=...) would silently leave its feature off: refuse it. */
function checkParamNames(given, known) {
  for (const p of [].concat(given ?? [])) {
    const name = String(p).split('=')[0].trim();
    if (!Object.prototype.hasOwnProperty.call(known, name)) {
      fail(`unknown param "${name}": the params are ${Object.keys(known).join(', ')}`);
    }
  }
}

module.exports = async ({ options, resolveConfigurationProperty }) => {
  const raw = await resolveConfigurationProperty(['custom', 'params']);
  checkParamNames(options && options.param, raw);
  return buildConfig(raw);
};
module.exports.buildConfig = buildConfig;
module.exports.durationMs = durationMs;
module.exports.checkParamNames = checkParamNames;
