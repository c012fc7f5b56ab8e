/**
 * What the plan's policies grant, checked against the Service Authorization Reference (via
 * ./iam-reference.ts) and against the calls of the access inventory (./access-inventory.ts): every
 * granted action exists and names resources of a type it takes, and every grant has a use.
 */
import { type AccessCall, list, type PlanPolicy } from "./access-judge";
import { actionsMatching, arnFits, globMatches, resourceTypesOf } from "./iam-reference";

/** One (action pattern, resource pattern) an Allow statement of the plan grants. */
export interface Grant {
  readonly policy: PlanPolicy;
  readonly sid: string;
  /**
   * Who may use it: the role of an identity policy; a resource policy's principals (a service, an
   * account's root, a role's ARN, or `*`).
   */
  readonly principals: readonly string[];
  readonly action: string;
  /** The resource pattern; a resource policy's `*` (or none, in a trust policy) is its resource. */
  readonly resource: string;
}

/** Every Allow of the policies, one grant per action and resource pattern. */
export function grantsOf(policies: readonly PlanPolicy[]): Grant[] {
  return policies.flatMap((policy) =>
    policy.document.Statement.filter((s) => s.Effect === "Allow").flatMap((statement, i) => {
      const principals =
        policy.kind === "identity"
          ? [policy.owner]
          : statement.Principal === "*"
            ? ["*"]
            : Object.values(statement.Principal ?? {}).flatMap((p) => list(p));
      // In a key policy `*` is the key (AWS KMS Developer Guide, "Key policies"); a trust policy
      // names no resource: it is the role's.
      const resources =
        policy.kind === "resource"
          ? list(statement.Resource).map((r) => (r === "*" ? policy.owner : r))
          : list(statement.Resource);
      return list(statement.Action).flatMap((action) =>
        (resources.length === 0 ? [policy.owner] : resources).map((resource) => ({
          policy,
          sid: statement.Sid ?? `statement ${i}`,
          principals,
          action,
          resource,
        })),
      );
    }),
  );
}

/** `primary-keys-key AlarmsPublishToEncryptedTopics: kms:Decrypt on arn:…`. */
export function describeGrant(grant: Grant): string {
  return `${grant.policy.holder} ${grant.sid}: ${grant.action} on ${grant.resource}`;
}

/** The same grant in either region: the holder without its region role, and no resource. */
export function grantKey(grant: Grant): string {
  return `${grant.policy.holder.replace(/^(primary|secondary)-/, "")} ${grant.sid}: ${grant.action}`;
}

/**
 * Why a grant is wrong on AWS, if it is: an action iam-data does not know, `*` for an action
 * that requires a resource (unless `allowedStars` names the action, with its reason), an ARN of
 * no resource type the action takes, or one given to an action that takes only `*`.
 */
export async function grantProblems(
  grant: Grant,
  allowedStars: Readonly<Record<string, string>>,
): Promise<string[]> {
  const where = describeGrant(grant);
  if (grant.action === "*") {
    return [`${where}: grants every action of every service`];
  }
  const actions = await actionsMatching(grant.action);
  if (actions.length === 0) {
    return [`${where}: ${grant.action} names no action of the Service Authorization Reference`];
  }
  const typed = await Promise.all(
    actions.map(async (action) => ({ action, types: await resourceTypesOf(action) })),
  );
  if (grant.resource === "*") {
    return typed
      .filter(
        ({ action, types }) => types.some((t) => t.required) && allowedStars[action] === undefined,
      )
      .map(
        ({ action, types }) =>
          `${where}: ${action} requires a resource (${types
            .filter((t) => t.required)
            .map((t) => t.name)
            .join(", ")}), not *`,
      );
  }
  const fitting = typed.filter(({ types }) =>
    types.some((t) => t.arns.some((format) => arnFits(grant.resource, format))),
  );
  if (fitting.length > 0) {
    return [];
  }
  const formats = typed.flatMap(({ types }) => types.flatMap((t) => t.arns));
  return [
    formats.length === 0
      ? `${where}: ${grant.action} takes only *`
      : `${where}: fits no resource type ${grant.action} takes (${[...new Set(formats)].join(" | ")})`,
  ];
}

function principalUses(grantPrincipal: string, caller: string): boolean {
  if (grantPrincipal === "*" || grantPrincipal === caller) {
    return true;
  }
  // An account's root stands for every principal of the account (IAM User Guide, "AWS JSON policy
  // elements: Principal": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
  const root = /^arn:aws:iam::(\d+):root$/.exec(grantPrincipal)?.[1];
  return root !== undefined && caller.startsWith(`arn:aws:iam::${root}:`);
}

/** Whether the call is one the grant allows (conditions aside). */
export function grantUsedBy(grant: Grant, call: AccessCall): boolean {
  return (
    globMatches(grant.action, call.action, true) &&
    globMatches(grant.resource, call.resource) &&
    grant.principals.some((p) => principalUses(p, call.principal))
  );
}
