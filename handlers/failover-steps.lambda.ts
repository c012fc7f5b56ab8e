/**
 * The failover runbook's steps Lambda (thin AWS shell around ./failover-steps): one action per
 * call, chosen by the runbook's payload, over ports wired to the AWS SDK (provided by the
 * runtime). Cross-region and HTTP calls fail fast. Clients of this region are created on the
 * first call and kept for the life of the execution environment.
 *
 * Environment: RUNS_TABLE and the runtime's AWS_REGION.
 */
import {
  type GlobalClusterPorts,
  type GlobalClusterRequest,
  readGlobalCluster,
  fence,
  type FenceRequest,
  type FencePorts,
  type HealthPorts,
  type HealthRequest,
  type HistoryEvent,
  type LagPorts,
  type LagRequest,
  type RecordPorts,
  type RecordRequest,
  recordRun,
  replicationLag,
  routeTraffic,
  type RouteTrafficPorts,
  type RouteTrafficRequest,
  verifyHealth,
} from "./failover-steps";
import { failFastClientOptions, FAIL_FAST, namedError, requiredEnv } from "./runtime";

type CloudWatch = typeof import("@aws-sdk/client-cloudwatch");
type Ssm = typeof import("@aws-sdk/client-ssm");
type Sfn = typeof import("@aws-sdk/client-sfn");
type DynamoDb = typeof import("@aws-sdk/client-dynamodb");
type RecoveryCluster = typeof import("@aws-sdk/client-route53-recovery-cluster");
type Rds = typeof import("@aws-sdk/client-rds");

export type StepRequest =
  | LagRequest
  | GlobalClusterRequest
  | FenceRequest
  | RouteTrafficRequest
  | HealthRequest
  | RecordRequest;

/** Cross-region and HTTP calls fail fast: an unreachable region must not hold the runbook. */
const clientOptions = (region: string) => failFastClientOptions(region, 2);

interface Environment {
  readonly lag: LagPorts;
  readonly globalCluster: GlobalClusterPorts;
  readonly fence: FencePorts;
  readonly traffic: RouteTrafficPorts;
  readonly health: HealthPorts;
  readonly record: RecordPorts;
}

function createEnvironment(): Environment {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cloudwatch = require("@aws-sdk/client-cloudwatch") as CloudWatch;
  const ssm = require("@aws-sdk/client-ssm") as Ssm;
  const sfn = require("@aws-sdk/client-sfn") as Sfn;
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  const arc = require("@aws-sdk/client-route53-recovery-cluster") as RecoveryCluster;
  const rds = require("@aws-sdk/client-rds") as Rds;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const runsTable = requiredEnv("RUNS_TABLE");
  const metrics = new Map<string, InstanceType<CloudWatch["CloudWatchClient"]>>();
  const metricsIn = (region: string) => {
    const existing = metrics.get(region);
    if (existing !== undefined) {
      return existing;
    }
    const client = new cloudwatch.CloudWatchClient(clientOptions(region));
    metrics.set(region, client);
    return client;
  };
  const states = new sfn.SFNClient({});
  const table = new dynamodb.DynamoDBClient({});
  const database = new rds.RDSClient({});
  return {
    globalCluster: {
      describe: async (identifier) => {
        const result = await database.send(
          new rds.DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }),
        );
        return result.GlobalClusters?.[0];
      },
    },
    lag: {
      latestMaximum: async (query) => {
        const end = new Date();
        const result = await metricsIn(query.region).send(
          new cloudwatch.GetMetricDataCommand({
            StartTime: new Date(end.getTime() - 5 * 60_000),
            EndTime: end,
            ScanBy: "TimestampDescending",
            MetricDataQueries: [
              {
                Id: "lag",
                MetricStat: {
                  Metric: {
                    Namespace: query.namespace,
                    MetricName: query.metricName,
                    Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({
                      Name,
                      Value,
                    })),
                  },
                  Period: 60,
                  Stat: "Maximum",
                },
              },
            ],
          }),
        );
        const values = result.MetricDataResults?.[0]?.Values ?? [];
        return values.length === 0 ? null : values[0];
      },
    },
    fence: {
      putParameter: async (region, name, value) => {
        const client = new ssm.SSMClient(clientOptions(region));
        try {
          await client.send(
            new ssm.PutParameterCommand({ Name: name, Value: value, Overwrite: true }),
          );
        } finally {
          client.destroy();
        }
      },
    },
    traffic: {
      update: async (endpoint, states) => {
        const client = new arc.Route53RecoveryClusterClient({
          ...clientOptions(endpoint.region),
          endpoint: endpoint.endpoint,
        });
        try {
          await client.send(
            new arc.UpdateRoutingControlStatesCommand({
              UpdateRoutingControlStateEntries: states.map((s) => ({
                RoutingControlArn: s.arn,
                RoutingControlState: s.state,
              })),
            }),
          );
        } finally {
          client.destroy();
        }
      },
    },
    health: {
      get: async (url) => {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(FAIL_FAST.requestTimeoutMs + FAIL_FAST.connectionTimeoutMs),
        });
        return { status: response.status, body: await response.text() };
      },
    },
    record: {
      history: async (executionArn) => {
        const events: HistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await states.send(
            new sfn.GetExecutionHistoryCommand({
              executionArn,
              maxResults: 1000,
              includeExecutionData: false,
              nextToken,
            }),
          );
          for (const event of page.events ?? []) {
            events.push({
              timestamp: new Date(event.timestamp ?? 0),
              type: event.type ?? "",
              stateEnteredEventDetails: event.stateEnteredEventDetails,
              stateExitedEventDetails: event.stateExitedEventDetails,
            });
          }
          nextToken = page.nextToken;
        } while (nextToken !== undefined);
        return events;
      },
      put: async (record) => {
        const optional = (value: string | null) => (value === null ? { NULL: true } : { S: value });
        await table.send(
          new dynamodb.PutItemCommand({
            TableName: runsTable,
            Item: {
              runId: { S: record.runId },
              executionArn: { S: record.executionArn },
              status: { S: record.status },
              mode: { S: record.mode },
              reason: { S: record.reason },
              fromRegion: { S: record.fromRegion },
              toRegion: { S: record.toRegion },
              startedAt: { S: record.startedAt },
              finishedAt: { S: record.finishedAt },
              durationSeconds: { N: String(record.durationSeconds) },
              oldRegionFenced:
                record.oldRegionFenced === null ? { NULL: true } : { BOOL: record.oldRegionFenced },
              failedStep: optional(record.failedStep),
              error: optional(record.error),
              steps: { S: JSON.stringify(record.steps) },
            },
          }),
        );
      },
      now: () => new Date(),
    },
  };
}

const environment: { current?: Environment } = {};

/** The deployed handler: one action per call, chosen by the runbook's payload. */
export async function failoverStepsHandler(request: StepRequest): Promise<unknown> {
  environment.current ??= createEnvironment();
  const ports = environment.current;
  switch (request.action) {
    case "replication-lag":
      return replicationLag(request, ports.lag);
    case "read-global-cluster":
      return readGlobalCluster(request, ports.globalCluster);
    case "fence":
      return fence(request, ports.fence);
    case "route-traffic":
      return routeTraffic(request, ports.traffic);
    case "verify-health":
      return verifyHealth(request, ports.health);
    case "record":
      return recordRun(request, ports.record);
    default:
      throw namedError(
        "UnknownAction",
        `unknown action ${JSON.stringify((request as { action?: unknown }).action)}`,
      );
  }
}
