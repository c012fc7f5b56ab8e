/**
 * Route 53 failover for game days, on the simulated clock: each region's health check evaluated
 * every request interval, its status changing after `failureThreshold` consecutive results the
 * other way, the failover records answering by those statuses, and clients keeping an answer for
 * the record's TTL. What it follows, from the Amazon Route 53 Developer Guide:
 * - "How Amazon Route 53 determines whether a health check is healthy": checkers request the
 *   endpoint every RequestInterval; an endpoint becomes unhealthy (or healthy again) after
 *   FailureThreshold consecutive failures (successes)
 *   (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 *   The checkers' aggregation (healthy when more than 18 % of them report healthy) is modelled as
 *   one observer: every checker sees the same endpoint here.
 * - Active-passive failover: "Route 53 includes only the healthy primary resources. If all the
 *   primary resources are unhealthy, Route 53 begins to include only the healthy secondary
 *   resources" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html).
 *   When both are unhealthy, Route 53 answers as if all were healthy (the primary).
 * - Resolvers and clients cache an answer for the record's TTL.
 */

export interface Route53Options {
  readonly primary: string;
  readonly secondary: string;
  readonly intervalSeconds: number;
  readonly failureThreshold: number;
  readonly ttlSeconds: number;
  /** Whether the region's health check passes now (the health endpoint as its check asks it). */
  readonly probe: (region: string, nowMs: number) => boolean;
}

interface CheckState {
  healthy: boolean;
  /** Consecutive results that disagree with the current status. */
  streak: number;
}

export class Route53Failover {
  private readonly checks: Record<string, CheckState>;
  private lastEvaluationMs = Number.NEGATIVE_INFINITY;
  private readonly cache = new Map<string, { region: string; untilMs: number }>();
  /** When the answer for new queries changed, and to which region. */
  readonly changes: { atMs: number; region: string }[] = [];

  constructor(private readonly options: Route53Options) {
    this.checks = {
      [options.primary]: { healthy: true, streak: 0 },
      [options.secondary]: { healthy: true, streak: 0 },
    };
  }

  /** Runs every health check evaluation due up to `nowMs`. */
  advance(nowMs: number): void {
    const interval = this.options.intervalSeconds * 1000;
    let next =
      this.lastEvaluationMs === Number.NEGATIVE_INFINITY ? nowMs : this.lastEvaluationMs + interval;
    while (next <= nowMs) {
      const before = this.answer();
      for (const region of [this.options.primary, this.options.secondary]) {
        const check = this.checks[region];
        const passes = this.options.probe(region, next);
        check.streak = passes === check.healthy ? 0 : check.streak + 1;
        if (check.streak >= this.options.failureThreshold) {
          check.healthy = passes;
          check.streak = 0;
        }
      }
      const after = this.answer();
      if (after !== before) {
        this.changes.push({ atMs: next, region: after });
      }
      this.lastEvaluationMs = next;
      next += interval;
    }
  }

  /** How long a client keeps an answer (the record's TTL). */
  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  isHealthy(region: string): boolean {
    return this.checks[region].healthy;
  }

  /** The region Route 53 answers new queries with now. */
  answer(): string {
    const { primary, secondary } = this.options;
    if (this.checks[primary].healthy) {
      return primary;
    }
    return this.checks[secondary].healthy ? secondary : primary;
  }

  /** The region a client reaches: its cached answer until the TTL runs out, then a new one. */
  resolve(client: string, nowMs: number): string {
    const cached = this.cache.get(client);
    if (cached !== undefined && cached.untilMs > nowMs) {
      return cached.region;
    }
    const region = this.answer();
    this.cache.set(client, { region, untilMs: nowMs + this.options.ttlSeconds * 1000 });
    return region;
  }
}
