/**
 * Recovery objectives: the budget computed from the plan's own resources (components/recovery.ts)
 * against the targets the stack sets. A change that makes failover slower than the target (a
 * longer health-check interval, a higher failure threshold, a longer TTL) fails the preview.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { trafficBudgetOf } from "../components/recovery";

export interface RecoveryTargets {
  readonly rtoTrafficSeconds?: number;
}

export const recoveryObjectives: StackValidationPolicy = {
  name: "recovery-objectives",
  description:
    "The worst-case traffic failover computed from the health checks and failover records stays within the stack's target (rtoTrafficSeconds).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: { rtoTrafficSeconds: { type: "integer", minimum: 1, default: 90 } },
  },
  validateStack: (args, reportViolation) => {
    const target = args.getConfig<RecoveryTargets>().rtoTrafficSeconds ?? 90;
    const budget = trafficBudgetOf(args.resources.map((r) => ({ type: r.type, props: r.props })));
    if (budget !== undefined && budget.worstCaseSeconds > target) {
      reportViolation(
        `worst-case traffic failover is ${budget.worstCaseSeconds} s (${budget.requestIntervalSeconds} s interval × ${budget.failureThreshold} failed checks + ${budget.aggregationSeconds} s checker aggregation + ${budget.ttlSeconds} s TTL), over the target of ${target} s`,
      );
    }
  },
};

export const recoveryPolicies = [recoveryObjectives];
