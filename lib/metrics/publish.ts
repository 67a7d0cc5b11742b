import type { Report } from "../health/report";
import { metricData, type MetricDataOptions } from "./metric-data";
import type { MetricsSink, PutResult } from "./sink";

export const DEFAULT_NAMESPACE = "Blockwatch";

export interface PublishOptions extends MetricDataOptions {
  namespace?: string;
}

/**
 * Publishes one run's metrics. Never throws: metrics come after the run's state and alerts are
 * saved, and failing the run over them would re-run it (duplicate alerts). The caller logs
 * `errors` when `failed > 0`; a lasting failure shows as a missing RunSucceeded heartbeat.
 */
export async function publishReportMetrics(report: Report, sink: MetricsSink, options: PublishOptions = {}): Promise<PutResult> {
  const data = metricData(report, options);
  try {
    return await sink.put(options.namespace ?? DEFAULT_NAMESPACE, data);
  } catch (err) {
    // A sink is not supposed to throw; if one does, the result still says what was lost.
    return { sent: 0, failed: data.length, errors: [`metrics sink threw: ${String((err as Error)?.message ?? err)}`] };
  }
}
