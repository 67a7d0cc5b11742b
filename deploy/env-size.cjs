'use strict';
/**
 * Fails `serverless package|deploy` when a function's environment would pass AWS Lambda's 4 KB
 * (all keys and values together), which CloudFormation would otherwise only refuse at deploy
 * time, after packaging succeeded. cfn-lint's E3697 counts only literal strings; this counts what
 * a Ref or Fn::If will become too, at its longest (a bucket name CloudFormation generates: 63
 * characters; a topic ARN: in the longest partition).
 */
const LIMIT = 4096;
const ARN_PREFIX = 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:'.length;

function valueLength(value, template) {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (value && typeof value === 'object') {
    if ('Ref' in value) {
      const param = template.Parameters?.[value.Ref];
      if (param) return String(param.Default ?? '').length;
      const res = template.Resources?.[value.Ref];
      if (res?.Type === 'AWS::S3::Bucket') return 63;
      if (res?.Type === 'AWS::SNS::Topic') return ARN_PREFIX + String(res.Properties?.TopicName ?? 'x'.repeat(256)).length;
    }
    if (Array.isArray(value['Fn::If'])) {
      const [, a, b] = value['Fn::If'];
      return Math.max(valueLength(a, template), valueLength(b, template));
    }
  }
  return 256; // unknown: counted long rather than let a deploy fail
}

/** [{ name, size, largest: [key, size] }] of the template's functions over the limit. */
function oversizeEnvironments(template) {
  const out = [];
  for (const [name, res] of Object.entries(template.Resources ?? {})) {
    if (res.Type !== 'AWS::Lambda::Function') continue;
    const vars = res.Properties?.Environment?.Variables ?? {};
    let size = 0;
    let largest = ['', 0];
    for (const [key, value] of Object.entries(vars)) {
      const n = key.length + valueLength(value, template);
      size += n;
      if (n > largest[1]) largest = [key, n];
    }
    if (size > LIMIT) out.push({ name, size, largest });
  }
  return out;
}

class EnvironmentSizePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.check() };
  }

  check() {
    // Before package:finalize merges them, the resources: section's parameters and resources are apart.
    const compiled = this.serverless.service.provider.compiledCloudFormationTemplate;
    const custom = this.serverless.service.resources ?? {};
    const template = {
      Parameters: { ...compiled.Parameters, ...custom.Parameters },
      Resources: { ...custom.Resources, ...compiled.Resources },
    };
    const over = oversizeEnvironments(template);
    if (over.length === 0) return;
    const { name, size, largest } = over[0];
    const message =
      `blockwatch: the Lambda environment of ${name} would be about ${size} bytes, over AWS Lambda's 4 KB (${LIMIT} bytes) ` +
      `for all variables together (${largest[0]} alone: ${largest[1]}); CloudFormation would refuse the deploy. ` +
      'Move the expected clusters and per-cluster thresholds (params expectedClusters, clusterOverrides) into the fleet config ' +
      'object s3://<StateBucketName output>/state/fleet.yaml (keys expectedClusters, clusters: README "Operate it"), which every run reads.';
    const err = new Error(message);
    err.stack = message;
    throw err;
  }
}

module.exports = EnvironmentSizePlugin;
module.exports.oversizeEnvironments = oversizeEnvironments;
module.exports.LIMIT = LIMIT;
