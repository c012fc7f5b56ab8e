/**
 * Test helpers for policies: a compliant ("happy path") resource per type, one-property
 * mutations, and runners that go through tools/engine/policy-runner.ts, which mirrors the engine.
 */
import { strict as assert } from "node:assert";
import type {
  PolicyProviderResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  type PackConfig,
  type PolicyViolation,
  type ResourceUnderTest,
  runResourcePolicy,
  runStackPolicy,
  type StackResourceUnderTest,
} from "../../tools/engine/policy-runner";

export const TAGS = {
  Environment: "dev",
  Application: "payments-dr",
  Owner: "payments-platform",
  CostCenter: "cc-4021",
  DataClassification: "restricted",
};

export function provider(
  region: string,
  tags: Record<string, string> = TAGS,
): PolicyProviderResource {
  return {
    type: "pulumi:providers:aws",
    name: `aws-${region}`,
    urn: `urn:pulumi:dev::payments-dr::pulumi:providers:aws::aws-${region}`,
    props: { region, defaultTags: JSON.stringify({ tags }) },
  };
}

export function urnOf(type: string, name: string, stack = "dev"): string {
  return `urn:pulumi:${stack}::payments-dr::${type}::${name}`;
}

export function resource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<StackResourceUnderTest> = {},
): StackResourceUnderTest {
  return { type, name, urn: urnOf(type, name), props, provider: provider("us-east-1"), ...extra };
}

/** A copy of `props` with one property (a dotted path) set, or removed when `value` is undefined. */
export function mutate(
  props: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(props);
  const keys = path.split(".");
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    target = target[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) {
    Reflect.deleteProperty(target, last);
  } else {
    target[last] = value;
  }
  return copy;
}

export async function violationsOf(
  policy: ResourceValidationPolicy,
  subject: ResourceUnderTest,
  config?: PackConfig,
): Promise<readonly PolicyViolation[]> {
  return (await runResourcePolicy(policy, subject, { config })).violations;
}

export async function messagesOf(
  policy: ResourceValidationPolicy,
  subject: ResourceUnderTest,
  config?: PackConfig,
): Promise<string[]> {
  return (await violationsOf(policy, subject, config)).map((v) => v.message);
}

export async function stackMessagesOf(
  policy: StackValidationPolicy,
  resources: readonly StackResourceUnderTest[],
  config?: PackConfig,
): Promise<string[]> {
  return (await runStackPolicy(policy, resources, { config })).violations.map((v) => v.message);
}

/** Table-driven cases for a resource policy: the happy path passes, each mutation fails exactly. */
export function resourceCases(
  policy: ResourceValidationPolicy,
  happy: StackResourceUnderTest,
  cases: readonly [what: string, path: string, value: unknown, expected: string[]][],
  config?: PackConfig,
): void {
  describe(policy.name, () => {
    it("passes a compliant resource", async () => {
      assert.deepEqual(await messagesOf(policy, happy, config), []);
    });
    for (const [what, path, value, expected] of cases) {
      it(`rejects ${what}`, async () => {
        const subject = { ...happy, props: mutate(happy.props, path, value) };
        assert.deepEqual(await messagesOf(policy, subject, config), expected);
      });
    }
  });
}
