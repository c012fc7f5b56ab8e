/**
 * The failover runbook's steps Lambda (thin AWS shell around ./failover-steps): one action per
 * call, chosen by the runbook's payload, over ports wired to the AWS SDK (provided by the
 * runtime). Cross-region and HTTP calls fail fast. Clients of this region are created on the
 * first call and kept for the life of the execution environment.
 *
 * Environment: RUNS_TABLE and the runtime's AWS_REGION.
 */
import {
  drain,
  type DrainPorts,
  type DrainRequest,
  type ProcessingPorts,
  type ProcessingRequest,
  setProcessing,
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
type Lambda = typeof import("@aws-sdk/client-lambda");
type Sqs = typeof import("@aws-sdk/client-sqs");

export type StepRequest =
  | LagRequest
  | GlobalClusterRequest
  | FenceRequest
  | ProcessingRequest
  | DrainRequest
  | RouteTrafficRequest
  | HealthRequest
  | RecordRequest;

/** Cross-region and HTTP calls fail fast: an unreachable region must not hold the runbook. */
const clientOptions = (region: string) => failFastClientOptions(region, 2);

interface Environment {
  readonly lag: LagPorts;
  readonly globalCluster: GlobalClusterPorts;
  readonly fence: FencePorts;
  readonly processing: ProcessingPorts;
  readonly drain: DrainPorts;
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
  const lambda = require("@aws-sdk/client-lambda") as Lambda;
  const sqs = require("@aws-sdk/client-sqs") as Sqs;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const runsTable = requiredEnv("RUNS_TABLE");
  /** One fail-fast client per service and region, kept for the environment's life. */
  const perRegion = <C>(create: (region: string) => C) => {
    const clients = new Map<string, C>();
    return (region: string): C => {
      const existing = clients.get(region);
      if (existing !== undefined) {
        return existing;
      }
      const client = create(region);
      clients.set(region, client);
      return client;
    };
  };
  const metricsIn = perRegion((r) => new cloudwatch.CloudWatchClient(clientOptions(r)));
  const lambdaIn = perRegion((r) => new lambda.LambdaClient(clientOptions(r)));
  // The regional endpoint, not the queue URL's host, so AWS_ENDPOINT_URL_SQS applies in tests.
  const queuesIn = perRegion(
    (r) => new sqs.SQSClient({ ...clientOptions(r), useQueueUrlAsEndpoint: false }),
  );
  const statesIn = perRegion((r) => new sfn.SFNClient(clientOptions(r)));
  const here = requiredEnv("AWS_REGION");
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
    processing: {
      setEnabled: async (region, uuid, enabled) => {
        await lambdaIn(region).send(
          new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: enabled }),
        );
      },
    },
    drain: {
      receive: async (region, url, max) => {
        const result = await queuesIn(region).send(
          new sqs.ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: max,
            WaitTimeSeconds: 0,
            // Long enough to send and delete them; a message not deleted comes back.
            VisibilityTimeout: 30,
          }),
        );
        return (result.Messages ?? []).map((m) => ({
          body: m.Body ?? "",
          receiptHandle: m.ReceiptHandle ?? "",
        }));
      },
      send: async (url, bodies) => {
        const result = await queuesIn(here).send(
          new sqs.SendMessageBatchCommand({
            QueueUrl: url,
            Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
          }),
        );
        return (result.Successful ?? []).map((entry) => Number(entry.Id));
      },
      remove: async (region, url, receiptHandles) => {
        await queuesIn(region).send(
          new sqs.DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: receiptHandles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
          }),
        );
      },
      depth: async (region, url) => {
        const { Attributes = {} } = await queuesIn(region).send(
          new sqs.GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: [
              "ApproximateNumberOfMessages",
              "ApproximateNumberOfMessagesNotVisible",
              "ApproximateNumberOfMessagesDelayed",
            ],
          }),
        );
        return {
          visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
        };
      },
      running: async (region, stateMachineArn) => {
        const result = await statesIn(region).send(
          new sfn.ListExecutionsCommand({
            stateMachineArn,
            statusFilter: "RUNNING",
            maxResults: 100,
          }),
        );
        return (result.executions ?? []).length;
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
              oldRegionPaused:
                record.oldRegionPaused === null ? { NULL: true } : { BOOL: record.oldRegionPaused },
              leftInOldRegion:
                record.leftInOldRegion === null
                  ? { NULL: true }
                  : { S: JSON.stringify(record.leftInOldRegion) },
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
    case "set-processing":
      return setProcessing(request, ports.processing);
    case "drain":
      return drain(request, ports.drain);
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
