/**
 * Cost: every function on Graviton, and the plan's estimated monthly cost (model/cost.ts, priced
 * with model/prices.ts) within the stack's budget. Advisory: a cost is a decision, not a defect.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { isGlobalServiceType } from "../model/regions";
import { estimateMonthlyCost } from "../model/cost";
import { asArray, regionOf, typedPolicy } from "./support";

export interface CostBudget {
  /** USD a month; without it the policy has nothing to compare. */
  readonly monthlyCostBudgetUsd?: number;
  readonly paymentsPerMonth?: number;
  /** The region that takes the payments. */
  readonly activeRegion?: string;
}

export const lambdaArm64 = typedPolicy({
  name: "lambda-arm64",
  description:
    "Lambda functions run on arm64 (Graviton: a GB-second costs 20 % less than on x86_64, https://aws.amazon.com/lambda/pricing/).",
  enforcementLevel: "advisory",
  checks: {
    "aws:lambda/function:Function": (props) =>
      asArray(props.architectures as string[] | undefined).includes("arm64")
        ? undefined
        : 'runs on x86_64; architectures: ["arm64"] costs 20 % less per GB-second',
  },
});

export const monthlyCostBudget: StackValidationPolicy = {
  name: "monthly-cost-budget",
  description:
    "The stack's estimated monthly cost (list prices, the assumed payments a month) stays within monthlyCostBudgetUsd.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      monthlyCostBudgetUsd: { type: "integer", minimum: 1 },
      paymentsPerMonth: { type: "integer", minimum: 0, default: 1_000_000 },
      activeRegion: { type: "string" },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<CostBudget>();
    if (config.monthlyCostBudgetUsd === undefined) {
      return;
    }
    const estimate = estimateMonthlyCost(
      args.resources.map((r) => ({
        type: r.type,
        urn: r.urn,
        region: isGlobalServiceType(r.type) ? null : (regionOf(r) ?? null),
        props: r.props,
      })),
      {
        paymentsPerMonth: config.paymentsPerMonth ?? 1_000_000,
        activeRegion: config.activeRegion ?? "us-east-1",
      },
    );
    if (estimate.totalUsd > config.monthlyCostBudgetUsd) {
      const largest = Object.entries(estimate.byComponent)
        .sort(([, a], [, b]) => b - a)
        .slice(0, 3)
        .map(([component, usd]) => `${component} ${Math.round(usd)}`)
        .join(", ");
      reportViolation(
        `the estimated monthly cost is ${Math.round(estimate.totalUsd)} USD (${estimate.assumptions.paymentsPerMonth.toLocaleString("en-US")} payments a month, prices of ${estimate.pricesAsOf}), over the budget of ${config.monthlyCostBudgetUsd} USD; largest: ${largest}`,
      );
    }
  },
};

export const costPolicies = [lambdaArm64, monthlyCostBudget];
