/**
 * The recovery-objective budget, computed from resource inputs (no Pulumi imports: the program's
 * outputs, the plan and the policy pack compute it the same way).
 *
 * Traffic: Route 53 marks a region unhealthy after `failureThreshold` consecutive failed checks at
 * `requestInterval`; the checkers' verdicts are aggregated, which this budget counts as one more
 * interval; resolvers may then serve the old answer for the record's TTL. An alias record has no
 * TTL of its own: resolvers keep the alias target's, 60 s for API Gateway regional domains.
 */

import type { StackConfig } from "./config";
import { record } from "./props";

export const ALIAS_TARGET_TTL_SECONDS = 60;
/** S3 Replication Time Control's commitment, the only one S3 offers: 99.99 % within 15 minutes. */
export const S3_REPLICATION_TIME_MINUTES = 15;
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

/** How a failover runbook's definition introduces itself: the budget finds runbooks by it. */
export const RUNBOOK_COMMENT_PREFIX = "Failover runbook:";

/**
 * The write path: how long the failover runbook can take, read from its deployed definition.
 * The walk follows the states a run of `mode` can take to success: a Task costs its timeout on
 * every attempt plus the retry backoff between them (`worstCase`) or nothing (`nominal`: AWS
 * answers at once); a Wait its seconds; a poll loop (a Choice that gives up when `$.polls.<name>`
 * reaches N) runs its body until the counter reaches N. Branches take the slowest way to success.
 */
export interface RunbookStepBound {
  readonly state: string;
  readonly nominalSeconds: number;
  readonly worstCaseSeconds: number;
}

export interface RunbookBudget {
  readonly mode: "planned" | "unplanned";
  /** Every AWS call answers at once; waits and polls run to their bounds. */
  readonly nominalSeconds: number;
  /** Every call also runs to its timeout on every attempt. */
  readonly worstCaseSeconds: number;
  readonly steps: readonly RunbookStepBound[];
}

export interface AslState {
  readonly Type?: unknown;
  readonly Next?: unknown;
  readonly Default?: unknown;
  readonly Seconds?: unknown;
  readonly TimeoutSeconds?: unknown;
  readonly Retry?: unknown;
  readonly Catch?: unknown;
  readonly Choices?: unknown;
  readonly Parameters?: unknown;
}

interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, unknown>>;
}

/** Step Functions gives a Task no timeout of its own; a definition without one has no bound. */
const UNBOUNDED_TASK_SECONDS = Number.POSITIVE_INFINITY;

/** A Task's longest run: every attempt to its timeout, and every backoff at its cap. */
export function taskWorstCase(state: AslState): number {
  const timeout =
    typeof state.TimeoutSeconds === "number" ? state.TimeoutSeconds : UNBOUNDED_TASK_SECONDS;
  const retriers = Array.isArray(state.Retry) ? (state.Retry as Record<string, unknown>[]) : [];
  let retries = 0;
  let backoff = 0;
  for (const retrier of retriers) {
    const attempts = typeof retrier.MaxAttempts === "number" ? retrier.MaxAttempts : 3;
    const interval = typeof retrier.IntervalSeconds === "number" ? retrier.IntervalSeconds : 1;
    const rate = typeof retrier.BackoffRate === "number" ? retrier.BackoffRate : 2;
    const cap =
      typeof retrier.MaxDelaySeconds === "number" ? retrier.MaxDelaySeconds : Number.MAX_VALUE;
    retries += attempts;
    for (let k = 0; k < attempts; k += 1) {
      backoff += Math.min(interval * rate ** k, cap);
    }
  }
  return timeout * (1 + retries) + backoff;
}

const POLL_COUNTER = /^\$\.polls\.(\w+)$/;
const POLL_INCREMENT = /^States\.MathAdd\(\$\.polls\.(\w+), 1\)$/;

interface Walk {
  readonly nominal: number;
  readonly worst: number;
  readonly steps: readonly RunbookStepBound[];
}

export function runbookBudget(
  definition: AslDefinition,
  mode: RunbookBudget["mode"],
): RunbookBudget {
  const stateOf = (name: string): AslState => {
    const state = definition.States[name];
    if (typeof state !== "object" || state === null) {
      throw new Error(`the runbook has no state ${JSON.stringify(name)}`);
    }
    return state as AslState;
  };
  const rulesOf = (state: AslState) =>
    (Array.isArray(state.Choices) ? state.Choices : []) as Record<string, unknown>[];
  const add = (own: RunbookStepBound | undefined, rest: Walk | undefined): Walk | undefined =>
    rest === undefined || own === undefined
      ? rest
      : {
          nominal: own.nominalSeconds + rest.nominal,
          worst: own.worstCaseSeconds + rest.worst,
          steps: [own, ...rest.steps],
        };
  const slowest = (walks: (Walk | undefined)[]): Walk | undefined =>
    walks.reduce<Walk | undefined>(
      (a, b) => (b !== undefined && (a === undefined || b.worst > a.worst) ? b : a),
      undefined,
    );

  /** The loop body from `from` back to the guard `guard`, and the counter increments on it. */
  const loopBody = (guard: string, from: string): Walk => {
    let nominal = 0;
    let worst = 0;
    for (let name = from, hops = 0; name !== guard; hops += 1) {
      if (hops > Object.keys(definition.States).length) {
        throw new Error(`the poll loop at ${guard} does not come back to it`);
      }
      const state = stateOf(name);
      if (state.Type === "Task") {
        worst += taskWorstCase(state);
      } else if (state.Type === "Wait" && typeof state.Seconds === "number") {
        nominal += state.Seconds;
        worst += state.Seconds;
      }
      name = String(state.Next);
    }
    return { nominal, worst, steps: [] };
  };

  const walk = (
    name: string,
    polls: Readonly<Record<string, number>>,
    depth: number,
  ): Walk | undefined => {
    if (depth > 200) {
      throw new Error(`the runbook loops at ${name} with no poll counter bounding it`);
    }
    const state = stateOf(name);
    switch (state.Type) {
      case "Succeed":
        return { nominal: 0, worst: 0, steps: [] };
      case "Fail":
        return undefined;
      case "Wait": {
        const seconds = typeof state.Seconds === "number" ? state.Seconds : 0;
        return add(
          { state: name, nominalSeconds: seconds, worstCaseSeconds: seconds },
          walk(String(state.Next), polls, depth + 1),
        );
      }
      case "Pass": {
        const counted = { ...polls };
        for (const value of Object.values((state.Parameters ?? {}) as Record<string, unknown>)) {
          const counter = POLL_INCREMENT.exec(String(value))?.[1];
          if (counter !== undefined) {
            counted[counter] = (counted[counter] ?? 0) + 1;
          }
        }
        return walk(String(state.Next), counted, depth + 1);
      }
      case "Task": {
        const own = { state: name, nominalSeconds: 0, worstCaseSeconds: taskWorstCase(state) };
        const catches = (Array.isArray(state.Catch) ? state.Catch : []) as Record<
          string,
          unknown
        >[];
        return add(
          own,
          slowest([
            walk(String(state.Next), polls, depth + 1),
            ...catches.map((c) => walk(String(c.Next), polls, depth + 1)),
          ]),
        );
      }
      case "Choice": {
        const rules = rulesOf(state);
        const guard = rules.find(
          (r) =>
            typeof r.NumericGreaterThanEquals === "number" && POLL_COUNTER.test(String(r.Variable)),
        );
        const others = rules.filter((r) => r !== guard);
        const modeRules = others.filter((r) => r.Variable === "$.mode");
        const matching = modeRules.find((r) => r.StringEquals === mode);
        const candidates = [
          ...others.filter((r) => r.Variable !== "$.mode").map((r) => String(r.Next)),
          ...(matching !== undefined ? [String(matching.Next)] : []),
        ];
        // A rule on this run's mode always matches: the Choice never goes round its loop.
        if (guard === undefined || matching !== undefined) {
          if (matching === undefined) {
            candidates.push(String(state.Default));
          }
          return slowest(candidates.map((next) => walk(next, polls, depth + 1)));
        }
        // A poll loop: the body (from Default back here) runs until the counter reaches the limit.
        const counter = POLL_COUNTER.exec(String(guard.Variable))?.[1] ?? "";
        const remaining = Math.max(
          0,
          (guard.NumericGreaterThanEquals as number) - (polls[counter] ?? 0),
        );
        const body = loopBody(name, String(state.Default));
        const loop = {
          state: `${name} (${remaining} more polls)`,
          nominalSeconds: remaining * body.nominal,
          worstCaseSeconds: remaining * body.worst,
        };
        const done = { ...polls, [counter]: (polls[counter] ?? 0) + remaining };
        // A rule that goes round the loop again (as Default does) is the loop, not a way out.
        const exits = candidates.filter((next) => next !== String(state.Default));
        return add(loop, slowest(exits.map((next) => walk(next, done, depth + 1))));
      }
      default:
        throw new Error(
          `the runbook's state ${name} has type ${String(state.Type)}, which this budget does not read`,
        );
    }
  };

  const result = walk(definition.StartAt, {}, 0);
  if (result === undefined) {
    throw new Error(`no ${mode} run of the runbook can succeed`);
  }
  return {
    mode,
    nominalSeconds: result.nominal,
    worstCaseSeconds: result.worst,
    steps: result.steps.filter((s) => s.worstCaseSeconds > 0),
  };
}

export interface WritePathBudget {
  readonly planned: RunbookBudget;
  readonly unplanned: RunbookBudget;
}

/** How often the peer watch probes the other region (components/failover/peer-watch.ts). */
export const PEER_PROBE_SECONDS = 60;

/**
 * How long an outage of the active region can go unseen before the other region's orchestrator
 * starts an unplanned runbook: `evaluationPeriods` failed one-minute probes, and one more period
 * for the alarm to be evaluated and delivered.
 */
export function writeFailoverDetectionSeconds(evaluationPeriods: number): number {
  return (evaluationPeriods + 1) * PEER_PROBE_SECONDS;
}

/** The slowest runbook of the plan per mode; undefined when the plan has none (or it is unknown). */
export function writePathBudgetOf(
  resources: readonly BudgetResource[],
): WritePathBudget | undefined {
  const definitions = resources
    .filter((r) => r.type === "aws:sfn/stateMachine:StateMachine")
    .map((r) => r.props.definition)
    .filter((d): d is string => typeof d === "string")
    .map((d) => JSON.parse(d) as AslDefinition & { Comment?: unknown })
    .filter((d) => String(d.Comment).startsWith(RUNBOOK_COMMENT_PREFIX));
  if (definitions.length === 0) {
    return undefined;
  }
  const slowestOf = (mode: RunbookBudget["mode"]) =>
    definitions
      .map((d) => runbookBudget(d, mode))
      .reduce((a, b) => (b.worstCaseSeconds > a.worstCaseSeconds ? b : a));
  return { planned: slowestOf("planned"), unplanned: slowestOf("unplanned") };
}

/** The traffic and RPO budgets from the same stack values the health checks, records and alarms get. */
export function stackRecoveryBudget(config: StackConfig): {
  traffic: TrafficBudget | undefined;
  rpo: RpoBudget;
} {
  return {
    traffic: trafficBudget(
      [
        {
          requestInterval: config.healthChecks.intervalSeconds,
          failureThreshold: config.healthChecks.failureThreshold,
        },
      ],
      [config.failoverRecordTtlSeconds],
    ),
    rpo: rpoBudget({
      strongConsistency: config.dynamodb.consistency === "strong",
      dynamodbReplicationAlarmMs: config.alarms.dynamodbReplicationLatencyMs,
      auroraRpoLagAlarmMs: config.alarms.auroraRpoLagMs,
      s3ReplicationTimeMinutes: S3_REPLICATION_TIME_MINUTES,
    }),
  };
}
