// The subset of SNS subscription filter policies that docs/deploy.md uses, evaluated as AWS
// documents it (docs.aws.amazon.com/sns/latest/dg: message-filtering, sns-message-filtering-scope,
// attribute-key-matching, string-value-matching, and-or-logic). An operator outside the subset
// throws: a policy this cannot judge is never reported as matching.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Policy = { [k: string]: Json };

/** FilterPolicyScope: MessageBody. The body must be a JSON object, or nothing matches. */
export function matchesBody(policy: Policy, body: string): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(body) as Json;
  } catch {
    return false;
  }
  return isObject(doc) && matchObject(policy, doc, true);
}

/**
 * FilterPolicyScope: MessageAttributes (the default). Attribute policies cannot nest, and a message
 * without any attribute matches no policy, not even `{"exists": false}` (attribute-key-matching:
 * "exists": false matches only messages that carry at least one attribute).
 */
export function matchesAttributes(policy: Policy, attributes: Record<string, { DataType: string; StringValue: string }>): boolean {
  if (Object.keys(attributes).length === 0) return false;
  const doc: { [k: string]: Json } = {};
  for (const [k, a] of Object.entries(attributes)) doc[k] = a.DataType === "String.Array" ? (JSON.parse(a.StringValue) as Json) : a.StringValue;
  return matchObject(policy, doc, false);
}

function matchObject(policy: Policy, doc: { [k: string]: Json }, nested: boolean): boolean {
  return Object.entries(policy).every(([key, rule]) => {
    if (key === "$or") {
      if (!Array.isArray(rule)) throw new Error("$or takes an array of policies");
      return rule.some((p) => isObject(p) && matchObject(p, doc, nested));
    }
    const value = Object.prototype.hasOwnProperty.call(doc, key) ? doc[key]! : undefined;
    if (isObject(rule)) {
      // A nested key: body scope only. A value that is an array matches when any element does.
      if (!nested) throw new Error(`attribute policies cannot nest (key ${key})`);
      const candidates = Array.isArray(value) ? value : [value];
      return candidates.some((v) => isObject(v) && matchObject(rule, v, true));
    }
    if (!Array.isArray(rule)) throw new Error(`the rule for ${key} must be an array of conditions`);
    return rule.some((condition) => matchCondition(condition, value));
  });
}

function matchCondition(condition: Json, value: Json | undefined): boolean {
  if (isObject(condition)) {
    const [op, arg] = Object.entries(condition)[0] ?? [];
    if (op === "exists" && Object.keys(condition).length === 1 && typeof arg === "boolean") return arg ? value !== undefined && value !== null : value === undefined;
    if (op === "prefix" && typeof arg === "string") return values(value).some((v) => typeof v === "string" && v.startsWith(arg));
    throw new Error(`operator ${JSON.stringify(condition)} is outside the subset this evaluator knows`);
  }
  if (Array.isArray(condition)) throw new Error("a condition cannot be an array");
  // Exact match, case-sensitive; against an array value, any element.
  return values(value).some((v) => v === condition);
}

const values = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isObject = (v: Json | undefined): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
