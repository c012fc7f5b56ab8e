/**
 * One CloudWatch dashboard for the whole stack (global, one copy in the primary region): each row
 * shows one signal with the primary region on the left and the secondary on the right, every
 * metric naming its own region. Route 53 publishes health-check metrics in us-east-1 only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { API_STAGE } from "../definitions/payment-api";
import { movedChild } from "./building-blocks/parts";
import type { RegionSignals } from "./failover/region-alarms";

/** One region's signals with their values known. */
type Resolved = pulumi.Unwrap<RegionSignals>;

type Metric = (
  string | { readonly region?: string; readonly stat?: string; readonly label?: string }
)[];

interface Widget {
  readonly type: "metric";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly metrics: readonly Metric[];
    readonly view: "timeSeries";
    readonly stat: string;
    readonly period: number;
  };
}

const WIDTH = 12;
const HEIGHT = 6;

/** The rows of the dashboard: a title, the statistic, and one region's metrics. */
const ROWS: readonly {
  readonly title: string;
  readonly stat: string;
  readonly metrics: (s: Resolved) => readonly Metric[];
}[] = [
  {
    title: "API requests and errors",
    stat: "Sum",
    metrics: (s) =>
      ["Count", "4XXError", "5XXError"].map((name) => [
        "AWS/ApiGateway",
        name,
        "ApiName",
        s.apiName,
        "Stage",
        API_STAGE,
      ]),
  },
  {
    title: "API latency p99 (ms)",
    stat: "p99",
    metrics: (s) => [["AWS/ApiGateway", "Latency", "ApiName", s.apiName, "Stage", API_STAGE]],
  },
  {
    title: "Handler errors and throttles",
    stat: "Sum",
    metrics: (s) =>
      Object.values(s.functions).flatMap((fn) =>
        ["Errors", "Throttles"].map((name) => ["AWS/Lambda", name, "FunctionName", fn]),
      ),
  },
  {
    title: "Payment workflow executions",
    stat: "Sum",
    metrics: (s) =>
      ["ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map((name) => [
        "AWS/States",
        name,
        "StateMachineArn",
        s.stateMachineArn,
      ]),
  },
  {
    title: "Dead-letter queue depth",
    stat: "Maximum",
    metrics: (s) => [
      ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", s.deadLetterQueue],
    ],
  },
  {
    title: "DynamoDB replication latency to the other region (ms)",
    stat: "Average",
    metrics: (s) => [
      [
        "AWS/DynamoDB",
        "ReplicationLatency",
        "TableName",
        s.tableName,
        "ReceivingRegion",
        s.peerRegion,
      ],
    ],
  },
  {
    title: "Aurora global database lag (ms)",
    stat: "Maximum",
    metrics: (s) =>
      ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"].map((name) => [
        "AWS/RDS",
        name,
        "DBClusterIdentifier",
        s.clusterIdentifier,
      ]),
  },
  {
    title: "S3 receipts replication to the other region",
    stat: "Maximum",
    metrics: (s) =>
      ["ReplicationLatency", "OperationsFailedReplication"].map((name) => [
        "AWS/S3",
        name,
        "SourceBucket",
        s.bucket,
        "DestinationBucket",
        s.peerBucket,
        "RuleId",
        `to-${s.peerRegion}`,
      ]),
  },
  {
    title: "Route 53 health check of the region's API (1 healthy, 0 not)",
    stat: "Minimum",
    metrics: (s) => [
      [
        "AWS/Route53",
        "HealthCheckStatus",
        "HealthCheckId",
        s.healthCheckId,
        { region: "us-east-1" },
      ],
    ],
  },
];

/** The dashboard body: every row, primary region left, secondary right. */
export function dashboardBody(regions: readonly Resolved[]): string {
  const widgets: Widget[] = ROWS.flatMap((row, index) =>
    regions.map((signals, column) => ({
      type: "metric" as const,
      x: column * WIDTH,
      y: index * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: `${row.title}: ${signals.region} (${signals.role})`,
        region: signals.region,
        metrics: row.metrics(signals),
        view: "timeSeries" as const,
        stat: row.stat,
        period: 60,
      },
    })),
  );
  return JSON.stringify({ widgets });
}

export interface OperationsDashboardArgs {
  readonly dashboardName: string;
  /** Both regions' signals, primary first: the left and right columns. */
  readonly regions: readonly RegionSignals[];
}

/** The stack's dashboard, in the primary region (its provider comes from `opts`). */
export class OperationsDashboard extends pulumi.ComponentResource {
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: OperationsDashboardArgs, opts: pulumi.ComponentResourceOptions) {
    super("payments:index:OperationsDashboard", name, {}, opts);
    const body = pulumi.all(args.regions.map((r) => pulumi.output(r))).apply(dashboardBody);
    const dashboard = new aws.cloudwatch.Dashboard(
      name,
      { dashboardName: args.dashboardName, dashboardBody: body },
      // It stood at the top of the stack before the dashboard had a component of its own.
      movedChild(this, { parent: pulumi.rootStackResource }),
    );
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}
