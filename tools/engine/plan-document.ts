/**
 * The machine-readable plan (ARCHITECTURE.md, "Plan JSON contract"). Later keys are added at the
 * top level; the keys here do not change meaning.
 */
import {
  type RpoBudget,
  rpoBudgetOf,
  type TrafficBudget,
  trafficBudgetOf,
  type WritePathBudget,
  writePathBudgetOf,
} from "../../model/recovery";
import type { StackConfig } from "../../model/config";
import { type CostEstimate, estimateMonthlyCost } from "../../model/cost";
import { isGlobalServiceType } from "../../model/regions";
import type { Evaluation, RecordedResource } from "./engine";
import { madeUpPaths } from "./made-up";

type StackConfigTargets = StackConfig["targets"];
import type { PackResult, PolicyViolation } from "./policy-runner";

export type PlanResource = Pick<
  RecordedResource,
  "urn" | "type" | "name" | "custom" | "parent" | "provider" | "region" | "inputs" | "options"
>;

export interface PlanDocument {
  readonly project: string;
  readonly stack: string;
  readonly regions: { readonly primary: string; readonly secondary: string };
  readonly resources: readonly PlanResource[];
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Every policy violation, mandatory first. */
  readonly policies: readonly PolicyViolation[];
  /** The policies that ran, with the enforcement level they ran at. */
  readonly policiesRun: PackResult["policies"];
  /** The recovery-objective budget, computed from the resources' inputs, and the stack's targets. */
  readonly recovery: RecoveryBudget;
  /** The estimated monthly cost per region and component, with its prices' date (model/cost.ts). */
  readonly cost: CostEstimate;
  /**
   * Where this document holds values the offline engine made up (ids, ARNs, endpoints, name
   * servers), which `pulumi preview` shows as unknown and `pulumi up` learns from AWS: dotted
   * paths into `outputs`, and into each resource's `inputs` by URN.
   */
  readonly knownAfterDeploy: {
    readonly outputs: readonly string[];
    readonly inputs: Readonly<Record<string, readonly string[]>>;
  };
}

export interface RecoveryBudget {
  /** Null while the plan has no health-checked failover records. */
  readonly traffic: TrafficBudget | null;
  /** Null while the plan has no payments table. */
  readonly rpo: RpoBudget | null;
  /** Null while the plan has no failover runbook. */
  readonly writePath: WritePathBudget | null;
  readonly targets: StackConfigTargets;
}

export function recoveryBudget(evaluation: Evaluation): RecoveryBudget {
  const resources = evaluation.resources.map((r) => ({ type: r.type, props: r.rawInputs }));
  return {
    traffic: trafficBudgetOf(resources) ?? null,
    rpo: rpoBudgetOf(resources) ?? null,
    writePath: writePathBudgetOf(resources) ?? null,
    targets: evaluation.config.targets,
  };
}

/** The stack's estimated monthly cost (model/cost.ts), at the payments its config assumes. */
export function costEstimate(evaluation: Evaluation): CostEstimate {
  return estimateMonthlyCost(
    evaluation.resources.map((r) => ({
      type: r.type,
      urn: r.urn,
      region: isGlobalServiceType(r.type) ? null : (r.region ?? r.placement),
      props: r.rawInputs,
    })),
    {
      paymentsPerMonth: evaluation.config.cost.paymentsPerMonth,
      activeRegion: evaluation.config.regions.primary,
    },
  );
}

export function toPlanDocument(evaluation: Evaluation, pack: PackResult): PlanDocument {
  return {
    project: evaluation.project,
    stack: evaluation.stack,
    regions: {
      primary: evaluation.config.regions.primary,
      secondary: evaluation.config.regions.secondary,
    },
    resources: evaluation.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      custom: r.custom,
      parent: r.parent,
      provider: r.provider,
      region: r.region,
      inputs: r.inputs,
      options: {
        protect: r.options.protect,
        retainOnDelete: r.options.retainOnDelete,
        ignoreChanges: [...r.options.ignoreChanges],
        dependsOn: [...r.options.dependsOn],
        aliases: [...r.options.aliases],
      },
    })),
    outputs: evaluation.outputs,
    policies: pack.violations,
    policiesRun: pack.policies,
    recovery: recoveryBudget(evaluation),
    cost: costEstimate(evaluation),
    knownAfterDeploy: {
      outputs: madeUpPaths(evaluation.outputs, evaluation.madeUp),
      inputs: Object.fromEntries(
        evaluation.resources
          .map((r) => [r.urn, madeUpPaths(r.inputs, evaluation.madeUp)] as const)
          .filter(([, paths]) => paths.length > 0),
      ),
    },
  };
}
