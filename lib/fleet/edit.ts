import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLSeq } from "yaml";
import { parseFleetConfig, type FleetConfig } from "./fleet-config";

/**
 * Edits of the fleet config's YAML that keep what people wrote in it (comments, order, layout):
 * the document is edited in place, then checked as a whole before anyone saves it.
 */
export class FleetDocument {
  private constructor(
    private readonly doc: Document,
    private readonly object: string,
  ) {}

  /** `text` null: the object does not exist yet. Throws FleetConfigError when it is not valid. */
  static parse(text: string | null, object: string): FleetDocument {
    parseFleetConfig(text ?? "", object);
    const doc = parseDocument(text ?? "");
    if (doc.contents === null) {
      doc.contents = doc.createNode({}) as never;
      doc.commentBefore = " blockwatch fleet config: expectedClusters, clusters (thresholds), silences, decommissioned (README: Operate it)";
    }
    return new FleetDocument(doc, object);
  }

  private seq(key: string): YAMLSeq {
    let seq = this.doc.get(key, true);
    if (!isSeq(seq)) {
      seq = this.doc.createNode([]);
      this.doc.set(key, seq);
    }
    return seq as YAMLSeq;
  }

  /** Removes the items of list `key` whose `cluster` (or, for a list of names, value) is `cluster`. */
  private removeFrom(key: string, cluster: string, match: (item: unknown) => string | undefined): number {
    const seq = this.doc.get(key, true);
    if (!isSeq(seq)) return 0;
    const before = seq.items.length;
    seq.items = seq.items.filter((item) => match(item) !== cluster);
    return before - seq.items.length;
  }

  private static clusterOf(item: unknown): string | undefined {
    if (!isMap(item)) return undefined;
    const v = item.get("cluster");
    return typeof v === "string" ? v : undefined;
  }

  addSilence(s: { cluster: string; from: number | null; until: number; reason: string | null }, now: number): void {
    this.pruneSilences(now);
    const item: Record<string, string> = { cluster: s.cluster };
    if (s.from !== null) item.from = new Date(s.from).toISOString();
    item.until = new Date(s.until).toISOString();
    if (s.reason) item.reason = s.reason;
    const node = this.doc.createNode(item);
    node.flow = true;
    this.seq("silences").add(node);
  }

  /** Every silence of `cluster`, in force or scheduled; the count removed. */
  removeSilences(cluster: string): number {
    return this.removeFrom("silences", cluster, FleetDocument.clusterOf);
  }

  /** Ended silences are of no use to anyone: each edit drops them. */
  private pruneSilences(now: number): void {
    const seq = this.doc.get("silences", true);
    if (!isSeq(seq)) return;
    seq.items = seq.items.filter((item) => {
      const until = isMap(item) ? item.get("until") : undefined;
      const ms = until instanceof Date ? until.getTime() : Date.parse(String(until));
      return !(Number.isFinite(ms) && ms <= now);
    });
  }

  /** Out of the expected clusters, its thresholds and silences gone, a decommission entry added. */
  decommission(cluster: string, at: number, reason: string | null): { wasExpected: boolean; already: boolean } {
    const wasExpected = this.removeFrom("expectedClusters", cluster, (item) => (isScalar(item) ? String(item.value) : undefined)) > 0;
    this.removeSilences(cluster);
    const clusters = this.doc.get("clusters", true);
    if (isMap(clusters)) clusters.delete(cluster);
    const already = (this.doc.get("decommissioned", true) as YAMLSeq | undefined)?.items?.some((i) => FleetDocument.clusterOf(i) === cluster) ?? false;
    if (!already) {
      const item: Record<string, string> = { cluster, at: new Date(at).toISOString() };
      if (reason) item.reason = reason;
      const node = this.doc.createNode(item);
      node.flow = true;
      this.seq("decommissioned").add(node);
    }
    return { wasExpected, already };
  }

  /** The edited text, checked: an edit never saves an object the runs would refuse. */
  text(): { text: string; config: FleetConfig } {
    const text = this.doc.toString();
    return { text, config: parseFleetConfig(text, this.object) };
  }
}
