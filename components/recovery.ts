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
