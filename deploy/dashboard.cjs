'use strict';
/**
 * The CloudWatch dashboard of blockwatch, as the `DashboardBody` of an AWS::CloudWatch::Dashboard:
 * a `Fn::Join` of the JSON text with `Ref: AWS::Region` where each widget names its region.
 * The status board is a custom widget (the boardWidget function renders it from the saved state);
 * per-cluster graphs (perClusterMetrics=true only) are Metrics Insights queries over
 * SCHEMA("<namespace>", Cluster), so a new cluster shows up without a redeploy; run-level metrics
 * carry no dimension.
 * Metric names: lib/metrics/metric-data.ts.
 */

const REGION = '__BLOCKWATCH_AWS_REGION__';
const BOARD_ARN = '__BLOCKWATCH_BOARD_ARN__';
const RUN_FUNCTION = '__BLOCKWATCH_RUN_FUNCTION__';
/** What each placeholder becomes in the template. */
const INTRINSICS = {
  [REGION]: { Ref: 'AWS::Region' },
  [BOARD_ARN]: { 'Fn::GetAtt': ['BoardWidgetLambdaFunction', 'Arn'] },
  [RUN_FUNCTION]: { Ref: 'ScheduledLambdaFunction' },
};
const COLORS = { ok: '#2ca02c', late: '#ff7f0e', stalled: '#d62728', missing: '#7f7f7f', info: '#1f77b4' };

function insights(cfg, stat, metric) {
  return `SELECT ${stat}(${metric}) FROM SCHEMA("${cfg.metricNamespace}", Cluster) GROUP BY Cluster ORDER BY ${stat}() DESC`;
}

function widget(x, y, width, height, properties, type = 'metric') {
  return { type, x, y, width, height, properties };
}

function metricProps(cfg, title, extra) {
  return { title, region: REGION, view: 'timeSeries', period: cfg.dashboardPeriod, ...extra };
}

function queryWidget(cfg, x, y, width, title, stat, metric, extra = {}) {
  return widget(x, y, width, 7, metricProps(cfg, title, {
    stat: stat === 'MAX' ? 'Maximum' : 'Sum',
    metrics: [[{ expression: insights(cfg, stat, metric), id: 'q1', period: cfg.dashboardPeriod }]],
    ...extra,
  }));
}

function runWidget(cfg, x, y, title, stat, series, extra = {}) {
  return widget(x, y, 6, 6, metricProps(cfg, title, {
    stat,
    metrics: series.map(([name, label, color]) => [cfg.metricNamespace, name, { label, ...(color ? { color } : {}) }]),
    ...extra,
  }));
}

function dashboardBody(cfg) {
  const where = cfg.thanosPrefix ? `s3://${cfg.thanosBucket}/${cfg.thanosPrefix}/` : `s3://${cfg.thanosBucket}/`;
  const seconds = { left: { min: 0, label: 'seconds', showUnits: false } };
  const widgets = [
    widget(0, 0, 24, 2, {
      markdown:
        `## blockwatch: ${where}\n` +
        `Clusters by \`${cfg.clusterLabel}\`, checked on \`${cfg.schedule}\`. ` +
        `**late** after ${cfg.lateAfter} (${cfg.lateAfterSeconds} s) of data lag, **stalled** after ${cfg.stallAfter} (${cfg.stallAfterSeconds} s); ` +
        `per-cluster overrides are not drawn. Per-cluster metrics: ${cfg.perClusterMetrics}.`,
    }, 'text'),
    // Every cluster, worst first, with its timeline: one Lambda invocation per view.
    widget(0, 2, 24, 14, {
      endpoint: BOARD_ARN,
      title: 'Status board (problems first)',
      updateOn: { refresh: true, resize: false, timeRange: false },
    }, 'custom'),
    runWidget(cfg, 0, 16, 'Clusters by status', 'Maximum', [
      ['ClustersOk', 'ok', COLORS.ok],
      ['ClustersLate', 'late', COLORS.late],
      ['ClustersStalled', 'stalled', COLORS.stalled],
      ['ClustersMissing', 'missing', COLORS.missing],
    ], { stacked: true }),
    runWidget(cfg, 6, 16, 'Worst data lag (any cluster)', 'Maximum', [['WorstDataLagSeconds', 'seconds', COLORS.stalled]], {
      yAxis: seconds,
      annotations: {
        horizontal: [
          { label: `late (${cfg.lateAfter})`, value: cfg.lateAfterSeconds, color: COLORS.late },
          { label: `stalled (${cfg.stallAfter})`, value: cfg.stallAfterSeconds, color: COLORS.stalled },
        ],
      },
    }),
    runWidget(cfg, 12, 16, 'Successful runs', 'Sum', [['RunSucceeded', 'runs', COLORS.ok]]),
    // The Lambda's own Duration and Errors metrics: free, unlike custom ones. Failed runs are shown
    // here rather than alarmed on: the not-reporting alarm covers runs that keep failing.
    widget(18, 16, 6, 6, metricProps(cfg, 'Run duration and failures', {
      stat: 'Maximum',
      metrics: [
        ['AWS/Lambda', 'Duration', 'FunctionName', RUN_FUNCTION, { label: 'ms', color: COLORS.info }],
        ['AWS/Lambda', 'Errors', 'FunctionName', RUN_FUNCTION, { label: 'failed runs', stat: 'Sum', yAxis: 'right', color: COLORS.stalled }],
      ],
    })),
  ];
  // $0.30 a metric-month each, five per cluster: only when asked for (perClusterMetrics=true).
  if (cfg.perClusterMetrics === 'true') {
    widgets.push(
      queryWidget(cfg, 0, 22, 12, 'Data lag by cluster (now - newest block end)', 'MAX', 'DataLagSeconds', {
        yAxis: seconds,
        annotations: {
          horizontal: [
            { label: `late (${cfg.lateAfter})`, value: cfg.lateAfterSeconds, color: COLORS.late },
            { label: `stalled (${cfg.stallAfter})`, value: cfg.stallAfterSeconds, color: COLORS.stalled },
          ],
        },
      }),
      queryWidget(cfg, 12, 22, 12, 'Upload age by cluster (now - last sidecar upload)', 'MAX', 'UploadAgeSeconds', {
        yAxis: seconds,
      }),
      queryWidget(cfg, 0, 29, 8, 'Stalled or missing by cluster (1 = down)', 'MAX', 'Stalled', {
        yAxis: { left: { min: 0, max: 1, showUnits: false } },
      }),
      queryWidget(cfg, 8, 29, 8, 'Blocks uploaded by cluster', 'SUM', 'BlocksUploaded'),
      queryWidget(cfg, 16, 29, 8, 'Bytes uploaded by cluster', 'SUM', 'BytesUploaded'),
    );
  }
  const text = JSON.stringify({ start: '-PT168H', periodOverride: 'inherit', widgets });
  const joined = [];
  for (const piece of text.split(new RegExp(`(${Object.keys(INTRINSICS).join('|')})`))) {
    if (Object.prototype.hasOwnProperty.call(INTRINSICS, piece)) joined.push(INTRINSICS[piece]);
    else if (piece) joined.push(piece);
  }
  return { 'Fn::Join': ['', joined] };
}

module.exports = { dashboardBody };
