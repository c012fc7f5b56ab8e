/**
 * The sweeper Lambda (thin AWS shell around ./sweeper), run by an EventBridge Scheduler schedule in
 * both regions: in the active writer (the processor's gate: flag and ledger) it sweeps the
 * payments table's `pending` index and reconciles the ledger against `bySettledHour`; elsewhere it
 * does nothing. Each run publishes its counts as CloudWatch metrics in Embedded Metric Format
 * (Powertools Metrics), namespace `Payments/Recovery`, dimension `service=sweeper`.
 *
 * Environment: PAYMENTS_TABLE, PAYMENTS_QUEUE_URL, ACTIVE_REGION_PARAMETER, LEDGER_CLUSTER_ARN,
 * LEDGER_SECRET_ARN, LEDGER_DATABASE, SWEEP_MIN_AGE_SECONDS, SWEEP_MAX_PER_RUN,
 * RECONCILE_LOOKBACK_HOURS and the runtime's AWS_REGION.
 */
import { PENDING_INDEX, SETTLED_INDEX } from "./payment";
import { gate } from "./payments-processor";
import { REQUEUE_WINDOW_MS } from "./payments-api";
import {
  activeRegionFlag,
  claimRequeue,
  fromItem,
  ledgerFromEnv,
  ledgerWrites,
  requiredEnv,
  settled,
} from "./runtime";
import {
  reconcile,
  type ReconcilePorts,
  type ReconcileReport,
  type SettledPayment,
  sweep,
  type SweepPorts,
  type SweepReport,
} from "./sweeper";

type DynamoDb = typeof import("@aws-sdk/client-dynamodb");
type Sqs = typeof import("@aws-sdk/client-sqs");
type RdsData = typeof import("@aws-sdk/client-rds-data");
type PowertoolsMetrics = typeof import("@aws-lambda-powertools/metrics");

export const METRICS_NAMESPACE = "Payments/Recovery";
export const METRICS_SERVICE = "sweeper";

export type SweeperResult =
  | { readonly active: false; readonly why: string }
  | { readonly active: true; readonly sweep: SweepReport; readonly reconcile: ReconcileReport };

export async function sweeperHandler(): Promise<SweeperResult> {
  const table = requiredEnv("PAYMENTS_TABLE");
  const queueUrl = requiredEnv("PAYMENTS_QUEUE_URL");
  const region = requiredEnv("AWS_REGION");
  const ledger = ledgerFromEnv();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  const sqs = require("@aws-sdk/client-sqs") as Sqs;
  const rdsData = require("@aws-sdk/client-rds-data") as RdsData;
  const { Metrics, MetricUnit } = require("@aws-lambda-powertools/metrics") as PowertoolsMetrics;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const db = new dynamodb.DynamoDBClient({});
  const queue = new sqs.SQSClient({ useQueueUrlAsEndpoint: false });
  const data = new rdsData.RDSDataClient({});
  // The processor's gate, asked afresh on every run.
  const open = gate(
    region,
    await settled(activeRegionFlag(requiredEnv("ACTIVE_REGION_PARAMETER"))()),
    await settled(ledgerWrites(rdsData, ledger, { ttlMs: 0 })()),
  );
  if (!open.open) {
    return { active: false, why: open.why };
  }

  const sweepPorts: SweepPorts = {
    async pending(shard, before, limit) {
      const page = await db.send(
        new dynamodb.QueryCommand({
          TableName: table,
          IndexName: PENDING_INDEX,
          KeyConditionExpression: "pendingShard = :shard AND createdAt < :before",
          ExpressionAttributeValues: { ":shard": { S: shard }, ":before": { S: before } },
          Limit: limit,
        }),
      );
      // The index is eventually consistent: the record itself says whether it is still RECEIVED
      // (the claim below checks it again, conditionally).
      return (page.Items ?? []).map(fromItem).filter((r) => r.status === "RECEIVED");
    },
    claimRequeue: (paymentId, at, cutoff) =>
      claimRequeue(dynamodb, db, table, { paymentId, at, cutoff }),
    async enqueue(payment) {
      await queue.send(
        new sqs.SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ payment }),
        }),
      );
    },
  };

  const reconcilePorts: ReconcilePorts = {
    async settled(hour) {
      const found: SettledPayment[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new dynamodb.QueryCommand({
            TableName: table,
            IndexName: SETTLED_INDEX,
            KeyConditionExpression: "settledHour = :hour",
            ExpressionAttributeValues: { ":hour": { S: hour } },
            ExclusiveStartKey: startKey as never,
          }),
        );
        for (const item of page.Items ?? []) {
          found.push({
            paymentId: String(item.paymentId?.S),
            merchantId: String(item.merchantId?.S),
            amountMinor: Number(item.amountMinor?.N),
            currency: String(item.currency?.S),
            region: String(item.statusDetail?.M?.region?.S ?? region),
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return found;
    },
    async recorded(paymentIds) {
      const result = await data.send(
        new rdsData.ExecuteStatementCommand({
          ...ledger,
          sql:
            "SELECT payment_id FROM ledger_entries WHERE direction = 'debit' " +
            "AND payment_id = ANY(string_to_array(:ids, ','))",
          parameters: [{ name: "ids", value: { stringValue: paymentIds.join(",") } }],
        }),
      );
      return new Set((result.records ?? []).map((row) => String(row[0]?.stringValue)));
    },
    async record(payment) {
      const result = await data.send(
        new rdsData.ExecuteStatementCommand({
          ...ledger,
          sql:
            "INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region) " +
            "VALUES (:payment_id, :merchant_id, 'debit', :amount_minor, :currency, :region) " +
            "ON CONFLICT (payment_id, direction) DO NOTHING",
          parameters: [
            { name: "payment_id", value: { stringValue: payment.paymentId } },
            { name: "merchant_id", value: { stringValue: payment.merchantId } },
            { name: "amount_minor", value: { longValue: payment.amountMinor } },
            { name: "currency", value: { stringValue: payment.currency } },
            { name: "region", value: { stringValue: payment.region } },
          ],
        }),
      );
      return (result.numberOfRecordsUpdated ?? 0) > 0;
    },
  };

  const now = new Date();
  const swept = await sweep(
    now,
    {
      minAgeSeconds: Number(requiredEnv("SWEEP_MIN_AGE_SECONDS")),
      requeueWindowSeconds: REQUEUE_WINDOW_MS / 1000,
      maxPerRun: Number(requiredEnv("SWEEP_MAX_PER_RUN")),
    },
    sweepPorts,
  );
  const reconciled = await reconcile(
    now,
    { lookbackHours: Number(requiredEnv("RECONCILE_LOOKBACK_HOURS")) },
    reconcilePorts,
  );
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  metrics.addMetric("StalePayments", MetricUnit.Count, swept.stale);
  metrics.addMetric("PaymentsRequeued", MetricUnit.Count, swept.requeued);
  metrics.addMetric("RequeueFailures", MetricUnit.Count, swept.failed);
  metrics.addMetric("LedgerEntriesChecked", MetricUnit.Count, reconciled.checked);
  metrics.addMetric("LedgerEntriesMissing", MetricUnit.Count, reconciled.missing);
  metrics.addMetric("LedgerEntriesRestored", MetricUnit.Count, reconciled.restored);
  metrics.publishStoredMetrics();
  return { active: true, sweep: swept, reconcile: reconciled };
}
