import { strict as assert } from "node:assert";
import type { Evaluation } from "../../tools/engine/engine";
import { AccessJudge } from "../../tools/harness/access-judge";
import { find, stackPlan } from "../fixtures/plan";

interface PolicyDocument {
  Statement: { Sid: string; Resource: string | string[] }[];
}

describe("game day access judge", function () {
  this.timeout(60_000);
  let evaluation: Evaluation;
  let peerCluster: string;
  before(async () => {
    evaluation = await stackPlan("dev");
    peerCluster = String(
      find(evaluation, "aws:rds/cluster:Cluster", "primary-data-ledger").outputs.arn,
    );
  });

  it("allows the secondary's runbook to fail the writer over from the primary's cluster", async () => {
    const judge = new AccessJudge(evaluation);
    assert.equal(
      await judge.decide("secondary-failover-runbook", "rds:FailoverGlobalCluster", peerCluster),
      "Allowed",
    );
  });

  it("denies it once the peer cluster is taken out of the runbook's policy (issue 13's first defect)", async () => {
    // The plan as it would be with the old policy: the switch statement names only its own member.
    const mutated: Evaluation = {
      ...evaluation,
      resources: evaluation.resources.map((r) => {
        if (r.type !== "aws:iam/rolePolicy:RolePolicy" || r.name !== "secondary-failover-runbook") {
          return r;
        }
        const policy = JSON.parse(String(r.rawInputs.policy)) as PolicyDocument;
        for (const statement of policy.Statement.filter(
          (s) => s.Sid === "SwitchTheGlobalDatabase",
        )) {
          statement.Resource = [statement.Resource].flat().filter((arn) => arn !== peerCluster);
        }
        return { ...r, rawInputs: { ...r.rawInputs, policy: JSON.stringify(policy) } };
      }),
    };
    const judge = new AccessJudge(mutated);
    assert.equal(
      await judge.decide("secondary-failover-runbook", "rds:FailoverGlobalCluster", peerCluster),
      "ImplicitlyDenied",
    );
  });
});
