/**
 * The recovery-objective budget, computed from resource inputs (no Pulumi imports: the program's
 * outputs, the plan and the policy pack compute it the same way).
 *
 * Traffic: Route 53 marks a region unhealthy after `failureThreshold` consecutive failed checks at
 * `requestInterval`; the checkers' verdicts are aggregated, which this budget counts as one more
 * interval; resolvers may then serve the old answer for the record's TTL. An alias record has no
 * TTL of its own: resolvers keep the alias target's, 60 s for API Gateway regional domains.
 */

export const ALIAS_TARGET_TTL_SECONDS = 60;
/** Checker results reach Route 53's verdict within about one further interval. */
export const CHECKER_AGGREGATION_INTERVALS = 1;

export interface HealthCheckInputs {
  readonly requestInterval: number;
  readonly failureThreshold: number;
}

export interface TrafficBudget {
  /** Worst case from a region failing to resolvers answering with the other region. */
  readonly worstCaseSeconds: number;
  readonly detectionSeconds: number;
  readonly aggregationSeconds: number;
  readonly ttlSeconds: number;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
}

/** The worst case over the checks guarding the failover records and the records' TTLs. */
export function trafficBudget(
  checks: readonly HealthCheckInputs[],
  recordTtls: readonly number[],
): TrafficBudget | undefined {
  if (checks.length === 0 || recordTtls.length === 0) {
    return undefined;
  }
  const slowest = checks
    .map((c) => ({
      ...c,
      detection: c.requestInterval * c.failureThreshold,
      aggregation: c.requestInterval * CHECKER_AGGREGATION_INTERVALS,
    }))
    .reduce((a, b) => (b.detection + b.aggregation > a.detection + a.aggregation ? b : a));
  const ttl = Math.max(...recordTtls);
  return {
    worstCaseSeconds: slowest.detection + slowest.aggregation + ttl,
    detectionSeconds: slowest.detection,
    aggregationSeconds: slowest.aggregation,
    ttlSeconds: ttl,
    requestIntervalSeconds: slowest.requestInterval,
    failureThreshold: slowest.failureThreshold,
  };
}

/** A plan or policy resource: its type and its inputs. */
export interface BudgetResource {
  readonly type: string;
  readonly props: Readonly<Record<string, unknown>>;
}

const HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck";
const RECORD = "aws:route53/record:Record";
const ENDPOINT_CHECK_TYPES = ["HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"];

/** The traffic budget of a set of resources: their endpoint health checks and failover records. */
export function trafficBudgetOf(resources: readonly BudgetResource[]): TrafficBudget | undefined {
  const checks = resources
    .filter((r) => r.type === HEALTH_CHECK && ENDPOINT_CHECK_TYPES.includes(String(r.props.type)))
    .map((r) => ({
      // Route 53's defaults when an input is left out.
      requestInterval: typeof r.props.requestInterval === "number" ? r.props.requestInterval : 30,
      failureThreshold: typeof r.props.failureThreshold === "number" ? r.props.failureThreshold : 3,
    }));
  const ttls = resources
    .filter((r) => r.type === RECORD)
    .filter((r) => Array.isArray(r.props.failoverRoutingPolicies))
    .map((r) => (typeof r.props.ttl === "number" ? r.props.ttl : ALIAS_TARGET_TTL_SECONDS));
  return trafficBudget(checks, ttls);
}

/** How much of a data store's recent writes a region failure can lose, and why that bound holds. */
export interface StoreRpo {
  readonly store: "payments table" | "ledger" | "receipts";
  /** Null: nothing in the plan bounds it. */
  readonly seconds: number | null;
  readonly basis: string;
}

export interface RpoBudget {
  readonly stores: readonly StoreRpo[];
  /** The worst of the stores that hold payments (the table and the ledger); null if unbounded. */
  readonly paymentsWorstSeconds: number | null;
}

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function alarmThresholdMs(
  resources: readonly BudgetResource[],
  namespace: string,
  metricName: string,
): number | undefined {
  const thresholds = resources
    .filter((r) => r.type === ALARM && r.props.namespace === namespace)
    .filter((r) => r.props.metricName === metricName && typeof r.props.threshold === "number")
    .map((r) => r.props.threshold as number);
  return thresholds.length === 0 ? undefined : Math.max(...thresholds);
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What bounds each store's RPO, as the plan's resources (or the stack's config) say. */
export interface RpoInputs {
  readonly strongConsistency: boolean;
  readonly dynamodbReplicationAlarmMs: number | undefined;
  readonly auroraRpoLagAlarmMs: number | undefined;
  readonly s3ReplicationTimeMinutes: number | undefined;
}

export function rpoBudget(inputs: RpoInputs): RpoBudget {
  const dynamodbMs = inputs.dynamodbReplicationAlarmMs;
  const auroraMs = inputs.auroraRpoLagAlarmMs;
  const s3Minutes = inputs.s3ReplicationTimeMinutes;
  const stores: StoreRpo[] = [
    inputs.strongConsistency
      ? {
          store: "payments table",
          seconds: 0,
          basis:
            "multi-Region strong consistency: a write is acknowledged once another region has it",
        }
      : {
          store: "payments table",
          seconds: dynamodbMs === undefined ? null : dynamodbMs / 1000,
          basis:
            dynamodbMs === undefined
              ? "eventual replication with no ReplicationLatency alarm: unbounded"
              : "eventual replication (typically under 1 s); later than this raises the ReplicationLatency alarm",
        },
    {
      store: "ledger",
      seconds: auroraMs === undefined ? null : auroraMs / 1000,
      basis:
        auroraMs === undefined
          ? "Aurora global database with no AuroraGlobalDBRPOLag alarm: unbounded"
          : "Aurora global database (typically under 1 s); more raises the AuroraGlobalDBRPOLag alarm",
    },
    {
      store: "receipts",
      seconds: s3Minutes === undefined ? null : s3Minutes * 60,
      basis:
        s3Minutes === undefined
          ? "no Replication Time Control: unbounded"
          : "S3 Replication Time Control: 99.99 % of objects within this (not a payment store: a receipt is derived from the payment and its ledger entry)",
    },
  ];
  return withPaymentsWorst(stores);
}

/** The stores with the worst RPO among those holding payments (not receipts); null if unbounded. */
function withPaymentsWorst(stores: readonly StoreRpo[]): RpoBudget {
  const payments = stores.filter((s) => s.store !== "receipts").map((s) => s.seconds);
  return {
    stores,
    paymentsWorstSeconds: payments.some((s) => s === null)
      ? null
      : Math.max(0, ...(payments as number[])),
  };
}

/**
 * The RPO of each replicated data store of the plan (a global table, an Aurora global cluster, S3
 * replication), from the table's replica mode, the replication alarms and S3's replication time.
 * Undefined when the plan replicates no payment store.
 */
export function rpoBudgetOf(resources: readonly BudgetResource[]): RpoBudget | undefined {
  const tables = resources.filter((r) => r.type === "aws:dynamodb/table:Table");
  const replicas = (t: BudgetResource) =>
    Array.isArray(t.props.replicas) ? (t.props.replicas as unknown[]) : [];
  const globalTable =
    tables.some((t) => replicas(t).length > 0) ||
    resources.some((r) => r.type === "aws:dynamodb/tableReplica:TableReplica");
  const globalDatabase = resources.some((r) => r.type === "aws:rds/globalCluster:GlobalCluster");
  if (!globalTable && !globalDatabase) {
    return undefined;
  }
  const s3Minutes = resources
    .filter((r) => r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    .flatMap((r) => (Array.isArray(r.props.rules) ? (r.props.rules as unknown[]) : []))
    .map((rule) => record(record(record(record(rule).destination).replicationTime).time).minutes)
    .filter((m): m is number => typeof m === "number");
  const budget = rpoBudget({
    strongConsistency: tables.some((t) =>
      replicas(t).some((r) => record(r).consistencyMode === "STRONG"),
    ),
    dynamodbReplicationAlarmMs: alarmThresholdMs(resources, "AWS/DynamoDB", "ReplicationLatency"),
    auroraRpoLagAlarmMs: alarmThresholdMs(resources, "AWS/RDS", "AuroraGlobalDBRPOLag"),
    s3ReplicationTimeMinutes: s3Minutes.length === 0 ? undefined : Math.max(...s3Minutes),
  });
  return withPaymentsWorst(
    budget.stores.filter(
      (s) =>
        (s.store === "payments table" && globalTable) ||
        (s.store === "ledger" && globalDatabase) ||
        (s.store === "receipts" && s3Minutes.length > 0),
    ),
  );
}
