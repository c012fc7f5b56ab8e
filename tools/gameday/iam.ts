/**
 * The access judge: a call a role makes, decided by a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate, a devDependency; AGPL, never deployed) against the policies the
 * plan deploys — the role's inline policy and, for a KMS key, the key's own policy, which always
 * takes part (AWS KMS Developer Guide, "Key policies": IAM policies alone give no access to a key
 * unless its policy allows the account:
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html). An AccessDenied here is
 * an AccessDenied on AWS. Used by the access tests and by game days (issue 14).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { Evaluation, RecordedResource } from "../engine/engine";

export class AccessJudge {
  constructor(private readonly evaluation: Evaluation) {}

  private resource(type: string, name: string): RecordedResource {
    const found = this.evaluation.resources.find((r) => r.type === type && r.name === name);
    if (found === undefined) {
      throw new Error(`the plan has no ${type} named ${name}`);
    }
    return found;
  }

  /** The ARN of the role with this logical name (its inline policy has the same name). */
  roleArn(logicalName: string): string {
    return String(this.resource("aws:iam/role:Role", logicalName).outputs.arn);
  }

  /** The resource's own policy, where it has one: a KMS key's, or an event bus's. */
  private resourcePolicyOf(resourceArn: string): object | undefined {
    const key = this.evaluation.resources.find(
      (r) =>
        (r.type === "aws:kms/key:Key" || r.type === "aws:kms/replicaKey:ReplicaKey") &&
        r.outputs.arn === resourceArn,
    );
    if (key !== undefined) {
      return JSON.parse(String(key.rawInputs.policy)) as object;
    }
    const bus = this.evaluation.resources.find(
      (r) => r.type === "aws:cloudwatch/eventBus:EventBus" && r.outputs.arn === resourceArn,
    );
    const busPolicy = this.evaluation.resources.find(
      (r) =>
        r.type === "aws:cloudwatch/eventBusPolicy:EventBusPolicy" &&
        bus !== undefined &&
        r.region === bus.region &&
        r.rawInputs.eventBusName === bus.outputs.name,
    );
    return busPolicy === undefined
      ? undefined
      : (JSON.parse(String(busPolicy.rawInputs.policy)) as object);
  }

  /** "Allowed", or the evaluator's verdict (ImplicitlyDenied, ExplicitlyDenied, an error). */
  async decide(
    role: string,
    action: string,
    resource: string,
    context: Record<string, string> = {},
  ): Promise<string> {
    const principal = this.roleArn(role);
    const policy = JSON.parse(
      String(this.resource("aws:iam/rolePolicy:RolePolicy", role).rawInputs.policy),
    ) as object;
    const response = await runSimulation(
      {
        identityPolicies: [{ name: role, policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: this.resourcePolicyOf(resource),
        request: {
          principal,
          action,
          resource: { resource, accountId: principal.split(":")[4] },
          // Keys IAM puts in every request of an IAM principal (IAM User Guide, global condition
          // keys, aws:PrincipalArn and aws:PrincipalIsAWSService, "always included":
          // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
          contextVariables: {
            "aws:PrincipalArn": principal,
            "aws:PrincipalIsAWSService": "false",
            ...context,
          },
        },
      },
      {},
    );
    return response.resultType === "error" ? JSON.stringify(response) : response.overallResult;
  }
}
