import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { evaluate } from "../../tools/engine/engine";
import { checkInvariants, INVARIANTS } from "../../tools/engine/invariants";
import { fixtureProgram, type FixtureProviders } from "../fixtures/programs";

/** Evaluates the fixture with one deliberate fault and returns the violations per invariant. */
async function violations(
  fault?: (providers: FixtureProviders) => void,
): Promise<Record<string, readonly string[]>> {
  const evaluation = await evaluate({ stack: "dev", program: fixtureProgram(fault) });
  return Object.fromEntries(
    checkInvariants(evaluation)
      .filter((result) => result.violations.length > 0)
      .map((result) => [result.name, [...result.violations].sort()]),
  );
}

class Extra extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("fixture:index:Extra", name, {}, opts);
    this.registerOutputs({});
  }
}

describe("program invariants", () => {
  it("are seven, each described", () => {
    assert.deepEqual(
      INVARIANTS.map((i) => i.name),
      [
        "explicit-provider",
        "remote-component-provider",
        "has-region",
        "component-region",
        "symmetric-regions",
        "unique-urns",
        "physical-names",
      ],
    );
    assert.ok(INVARIANTS.every((i) => i.description.length > 20));
  });

  it("hold for a well-formed two-region program", async () => {
    assert.deepEqual(await violations(), {});
  });

  it("catch a resource created without an explicit provider", async () => {
    const found = await violations(() => {
      new aws.s3.Bucket("leaky", { bucket: "acmepay-dev-leaky" });
    });
    assert.deepEqual(found, {
      "explicit-provider": [
        "urn:pulumi:dev::payments-dr::aws:s3/bucket:Bucket::leaky has no explicit provider: it would use the default AWS provider",
      ],
      "has-region": ["urn:pulumi:dev::payments-dr::aws:s3/bucket:Bucket::leaky has no region"],
    });
  });

  it("catch an invoke without an explicit provider", async () => {
    const found = await violations(() => {
      aws.getCallerIdentityOutput({});
    });
    assert.deepEqual(found, {
      "explicit-provider": [
        "invoke aws:index/getCallerIdentity:getCallerIdentity has no explicit provider: it would use the default AWS provider",
      ],
    });
  });

  it("catch a remote component that only inherits its provider", async () => {
    const found = await violations((providers) => {
      const tier = new Extra("networked", { providers: { aws: providers.primary } });
      new awsx.ec2.Vpc("inherits", { numberOfAvailabilityZones: 2 }, { parent: tier });
      const twin = new Extra("networked-twin", { providers: { aws: providers.secondary } });
      new awsx.ec2.Vpc("explicit", {}, { parent: twin, providers: { aws: providers.secondary } });
    });
    assert.deepEqual(found, {
      "remote-component-provider": [
        "urn:pulumi:dev::payments-dr::fixture:index:Extra$awsx:ec2:Vpc::inherits is a remote component without an explicit aws provider: its resources would use the default AWS provider",
      ],
    });
  });

  it("catch a resource placed outside its component's region", async () => {
    const found = await violations((providers) => {
      const tier = new Extra("misplaced", { providers: { aws: providers.primary } });
      new aws.sqs.Queue(
        "stray",
        { name: "acmepay-dev-stray" },
        { parent: tier, provider: providers.secondary },
      );
      new Extra("misplaced-twin", { providers: { aws: providers.secondary } });
    });
    assert.deepEqual(found, {
      "component-region": [
        "urn:pulumi:dev::payments-dr::fixture:index:Extra$aws:sqs/queue:Queue::stray is in us-west-2 but its component urn:pulumi:dev::payments-dr::fixture:index:Extra::misplaced is in us-east-1",
      ],
    });
  });

  it("catch a component type present in one region only", async () => {
    const found = await violations((providers) => {
      new Extra("lonely", { providers: { aws: providers.primary } });
    });
    assert.deepEqual(found, {
      "symmetric-regions": ["component fixture:index:Extra exists only in us-east-1"],
    });
  });

  it("catch two resources with one URN", async () => {
    const found = await violations((providers) => {
      new aws.sqs.Queue("twice", { name: "acmepay-dev-twice-a" }, { provider: providers.primary });
      new aws.sqs.Queue("twice", { name: "acmepay-dev-twice-b" }, { provider: providers.primary });
    });
    assert.deepEqual(found, {
      "unique-urns": [
        "urn:pulumi:dev::payments-dr::aws:sqs/queue:Queue::twice is registered more than once",
      ],
    });
  });

  it("catch physical names over the service limit, explicit or auto-named", async () => {
    const longLogical = `role-${"r".repeat(60)}`;
    const found = await violations((providers) => {
      new aws.s3.Bucket("upper", { bucket: "Acmepay-Receipts" }, { provider: providers.primary });
      new aws.iam.Role(longLogical, { assumeRolePolicy: "{}" }, { provider: providers.primary });
    });
    assert.deepEqual(found, {
      "physical-names": [
        `urn:pulumi:dev::payments-dr::aws:iam/role:Role::${longLogical}: the auto-name of "${longLogical}" would be 73 characters; iamRole allows 64`,
        'urn:pulumi:dev::payments-dr::aws:s3/bucket:Bucket::upper: s3Bucket name "Acmepay-Receipts" has characters s3Bucket does not allow; allowed: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
      ],
    });
  });
});
