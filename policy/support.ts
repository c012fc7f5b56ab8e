/**
 * Reading resources the way the engine hands them to policies: resource policies get inputs,
 * stack policies get outputs, provider properties arrive with nested values as JSON text, and
 * reading an unknown value (during preview) throws, which the engine reports as advisory.
 */
import type {
  PolicyProviderResource,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";

export { asArray, jsonValue, type Props, record } from "../model/props";
import { asArray, type Props, record } from "../model/props";

export function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** The tags the provider adds to every resource it manages. */
export function providerDefaultTags(
  provider: PolicyProviderResource | undefined,
): Record<string, string> {
  const tags = record(record(provider?.props.defaultTags).tags);
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
}

/** A resource's region: its own `region` property, else its provider's. */
export function regionOf(resource: {
  props: Props;
  provider?: PolicyProviderResource;
}): string | undefined {
  return text(resource.props.region) ?? text(resource.provider?.props.region);
}

/** The stack name, from a URN (`urn:pulumi:<stack>::<project>::…`). */
export function stackOf(urn: string): string {
  return urn.split(":")[2]?.split("::")[0] ?? "";
}

export interface Statement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The statements of an IAM or resource policy document given as JSON text or an object. */
export function statements(document: unknown): readonly Statement[] {
  return asArray(record(document).Statement as Statement | Statement[] | undefined);
}

/** True when a trust policy lets the given service principal assume the role. */
export function trustsService(assumeRolePolicy: unknown, service: string): boolean {
  return statements(assumeRolePolicy).some(
    (s) =>
      s.Effect !== "Deny" &&
      asArray(record(s.Principal).Service as string | string[]).includes(service),
  );
}

export function resourcesOfType(
  resources: readonly PolicyResource[],
  ...types: string[]
): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** The name a resource is known by in other resources' properties (S3 `bucket`, SQS `name`…). */
export function bucketName(bucket: PolicyResource): string | undefined {
  return text(bucket.props.bucket);
}

/** One check per resource type: returns the violation messages for that resource's inputs. */
export type ResourceCheck = (
  props: Props,
  args: ResourceValidationArgs,
) => readonly string[] | string | undefined;

/** A resource policy made of per-type checks; resources of other types are left alone. */
export function typedPolicy(
  policy: Omit<ResourceValidationPolicy, "validateResource"> & {
    readonly checks: Readonly<Record<string, ResourceCheck>>;
  },
): ResourceValidationPolicy {
  const { checks, ...rest } = policy;
  return {
    ...rest,
    validateResource: (args, reportViolation) => {
      const check = checks[args.type];
      if (check !== undefined) {
        asArray(check(args.props, args)).forEach((message) => reportViolation(message));
      }
    },
  };
}
