/**
 * Recovery objectives: the budget computed from the plan's own resources (model/recovery.ts)
 * against the targets the stack sets. A change that makes failover slower than the target (a
 * longer health-check interval, a higher failure threshold, a longer TTL) fails the preview.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { rpoBudgetOf, trafficBudgetOf } from "../model/recovery";

export interface RecoveryTargets {
  readonly rtoTrafficSeconds?: number;
  readonly rpoSeconds?: number;
}

export const recoveryObjectives: StackValidationPolicy = {
  name: "recovery-objectives",
  description:
    "The worst-case traffic failover (from the health checks and failover records) and the payment stores' RPO (from the table's replica mode and the replication alarms) stay within the stack's targets (rtoTrafficSeconds, rpoSeconds).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      rtoTrafficSeconds: { type: "integer", minimum: 1, default: 90 },
      rpoSeconds: { type: "integer", minimum: 0, default: 5 },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<RecoveryTargets>();
    const target = config.rtoTrafficSeconds ?? 90;
    const rpoTarget = config.rpoSeconds ?? 5;
    const resources = args.resources.map((r) => ({ type: r.type, props: r.props }));
    const budget = trafficBudgetOf(resources);
    const rpo = rpoBudgetOf(resources);
    if (rpo !== undefined) {
      for (const store of rpo.stores.filter((s) => s.store !== "receipts")) {
        if (store.seconds === null || store.seconds > rpoTarget) {
          reportViolation(
            `the ${store.store}'s RPO is ${store.seconds === null ? "unbounded" : `${store.seconds} s`} (${store.basis}), over the target of ${rpoTarget} s`,
          );
        }
      }
    }
    if (budget !== undefined && budget.worstCaseSeconds > target) {
      reportViolation(
        `worst-case traffic failover is ${budget.worstCaseSeconds} s (${budget.requestIntervalSeconds} s interval × ${budget.failureThreshold} failed checks + ${budget.aggregationSeconds} s checker aggregation + ${budget.ttlSeconds} s TTL), over the target of ${target} s`,
      );
    }
  },
};

export const recoveryPolicies = [recoveryObjectives];
