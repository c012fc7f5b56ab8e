/**
 * Defects the pre-production review found, put back into a plan (issue 14's "done means"):
 * `npm run gameday -- --mutant NAME=FILE` plays the scenario FILE against the stack's plan with
 * the defect NAME, and the game day must fail naming the invariant it breaks.
 * - runbook-iam-without-peer-cluster: the secondary's runbook may switch the global cluster over
 *   on its own cluster only (AWS authorizes SwitchoverGlobalCluster on the global cluster and both
 *   members: Service Authorization Reference, Amazon RDS).
 * - post-ledger-failure-marks-failed: a step after the ledger entry that keeps failing declines
 *   the payment (FAILED) instead of parking it, and the decline no longer checks the ledger step.
 */
import type { Evaluation, RecordedResource } from "../engine/engine";

export type Mutation = (evaluation: Evaluation) => Evaluation;

const withInput = (r: RecordedResource, key: string, value: string): RecordedResource => ({
  ...r,
  rawInputs: { ...r.rawInputs, [key]: value },
});

export const MUTATIONS: Record<string, Mutation> = {
  "runbook-iam-without-peer-cluster": (evaluation) => {
    const peerCluster = String(
      evaluation.resources.find(
        (r) => r.type === "aws:rds/cluster:Cluster" && r.name === "primary-data-ledger",
      )?.outputs.arn,
    );
    return {
      ...evaluation,
      resources: evaluation.resources.map((r) => {
        if (r.type !== "aws:iam/rolePolicy:RolePolicy" || r.name !== "secondary-failover-runbook") {
          return r;
        }
        const policy = JSON.parse(String(r.rawInputs.policy)) as {
          Statement: { Resource?: string | string[] }[];
        };
        for (const statement of policy.Statement) {
          const resources = ([] as string[]).concat(statement.Resource ?? []);
          statement.Resource = resources.filter((arn) => arn !== peerCluster);
        }
        return withInput(r, "policy", JSON.stringify(policy));
      }),
    };
  },
  "post-ledger-failure-marks-failed": (evaluation) => ({
    ...evaluation,
    resources: evaluation.resources.map((r) => {
      if (
        r.type !== "aws:sfn/stateMachine:StateMachine" ||
        !r.name.endsWith("-orchestration-payments")
      ) {
        return r;
      }
      const definition = JSON.parse(String(r.rawInputs.definition)) as {
        States: Record<string, Record<string, unknown>>;
      };
      const { MarkDeclined: declined, ParkForRepair: park } = definition.States;
      // Parking becomes declining (keeping its own catch, so the definition stays valid), and the
      // decline no longer asks whether the ledger step ran.
      definition.States.ParkForRepair = { ...declined, Catch: park.Catch };
      for (const state of [declined, definition.States.ParkForRepair]) {
        state.Parameters = {
          ...(state.Parameters as Record<string, unknown>),
          ConditionExpression: "#status = :received",
        };
      }
      return withInput(r, "definition", JSON.stringify(definition));
    }),
  }),
};
