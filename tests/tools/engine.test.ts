import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import {
  evaluate,
  type Evaluation,
  PROJECT_ROOT,
  type RecordedResource,
} from "../../tools/engine/engine";
import { toPlanDocument } from "../../tools/engine/plan-document";
import { projectKeys, readProject, readStackSettings } from "../../tools/engine/stack-files";
import { CONFIG_KEYS, offlineSecretStandIn, parseStackConfig } from "../../model/config";
import { withDevStackVariant } from "../fixtures/stack-files";
import { fixtureProgram } from "../fixtures/programs";

function find(evaluation: Evaluation, name: string): RecordedResource {
  const found = evaluation.resources.find((r) => r.name === name);
  assert.ok(found, `no resource named ${name}`);
  return found;
}

describe("offline engine", () => {
  let dev: Evaluation;
  let prod: Evaluation;

  before(async () => {
    dev = await evaluate({ stack: "dev", program: fixtureProgram() });
    prod = await evaluate({ stack: "prod", program: fixtureProgram() });
  });

  it("gives URNs as the Pulumi engine does: parent type chain, no root stack", () => {
    const stackUrn = "urn:pulumi:dev::payments-dr::pulumi:pulumi:Stack::payments-dr-dev";
    const tier = find(dev, "primary");
    assert.equal(tier.urn, "urn:pulumi:dev::payments-dr::fixture:index:Tier::primary");
    assert.equal(tier.parent, stackUrn);
    const bucket = find(dev, "primary-bucket");
    assert.equal(
      bucket.urn,
      "urn:pulumi:dev::payments-dr::fixture:index:Tier$aws:s3/bucket:Bucket::primary-bucket",
    );
    assert.equal(bucket.parent, tier.urn);
    assert.equal(find(dev, "payments-dr-dev").parent, null);
  });

  it("records the provider of each resource and the region it puts the resource in", () => {
    const provider = find(dev, "aws-primary");
    assert.equal(provider.region, "us-east-1");
    const bucket = find(dev, "primary-bucket");
    assert.match(
      bucket.provider,
      /^urn:pulumi:dev::payments-dr::pulumi:providers:aws::aws-primary::[0-9a-f-]{36}$/,
    );
    assert.equal(bucket.region, "us-east-1");
    assert.equal(find(dev, "secondary-bucket").region, "us-west-2");
    assert.equal(find(dev, "primary").region, null, "components have no region");
    assert.equal(find(dev, "primary").placement, "us-east-1");
    const role = find(dev, "secondary-role");
    assert.equal(role.region, null, "IAM is a global service");
    assert.equal(role.placement, "us-west-2");
  });

  it("records options: protect, retainOnDelete, ignoreChanges, explicit dependsOn, aliases", () => {
    const bucket = find(dev, "primary-bucket");
    assert.deepEqual(bucket.options, {
      protect: true,
      retainOnDelete: false,
      ignoreChanges: ["tags"],
      dependsOn: [],
      // @pulumi/aws 7 gives every s3.Bucket an alias to its former type, BucketV2.
      aliases: [
        "urn:pulumi:dev::payments-dr::fixture:index:Tier$aws:s3/bucketV2:BucketV2::primary-bucket",
      ],
    });
    const queue = find(dev, "primary-queue");
    assert.deepEqual(queue.options, {
      protect: false,
      retainOnDelete: true,
      ignoreChanges: [],
      dependsOn: [
        "urn:pulumi:dev::payments-dr::fixture:index:Tier$aws:iam/role:Role::primary-role",
      ],
      aliases: [],
    });
  });

  it("resolves aliases to the URNs the engine would match: a spec's blanks are the resource's own", () => {
    assert.deepEqual(find(dev, "primary-table").options.aliases, [
      "urn:pulumi:dev::payments-dr::fixture:index:Tier$aws:dynamodb/table:Table::primary-payments",
      "urn:pulumi:dev::payments-dr::aws:dynamodb/table:Table::primary-table",
    ]);
  });

  it("redacts secrets in recorded inputs and outputs, and keeps them for tests", () => {
    const bucket = find(dev, "primary-bucket");
    assert.deepEqual(bucket.inputs.tags, { Secret: "[secret]" });
    assert.deepEqual(bucket.rawInputs.tags, { Secret: "hunter2" });
    assert.equal(dev.outputs.secret, "[secret]");
    const plan = JSON.stringify(toPlanDocument(dev, { policies: [], violations: [] }));
    assert.ok(!plan.includes("hunter2") && !plan.includes("s3cr3t"));
  });

  it("answers with realistic attributes, so Outputs resolve to what AWS would return", () => {
    assert.equal(
      dev.outputs.primaryQueueUrl,
      "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-fixture-primary",
    );
    assert.deepEqual(find(dev, "primary-queue").inputs.tags, { Bucket: "acmepay-fixture-primary" });
    assert.equal(
      prod.outputs.primaryQueueUrl,
      "https://sqs.us-east-1.amazonaws.com/418295077265/acmepay-fixture-primary",
      "ARNs and URLs use the account the stack pins",
    );
    const policy = JSON.parse(String(find(dev, "primary-role").inputs.assumeRolePolicy)) as unknown;
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "lambda.amazonaws.com" },
        },
      ],
    });
  });

  it("evaluates both stacks in one run, each with its own config", () => {
    assert.equal(dev.stack, "dev");
    assert.equal(prod.stack, "prod");
    assert.ok(prod.resources.every((r) => r.urn.startsWith("urn:pulumi:prod::payments-dr::")));
    assert.equal(prod.config.production, true);
    assert.equal(dev.resources.length, prod.resources.length);
  });

  it("fails on an invoke it has no answer for, naming it", async () => {
    const program = fixtureProgram((providers) => {
      aws.ec2.getVpcOutput({ default: true }, { provider: providers.primary });
    });
    await assert.rejects(evaluate({ stack: "dev", program }), {
      message:
        "the offline engine has no answer for invoke aws:ec2/getVpc:getVpc: add one to tools/engine/aws-attributes.ts",
    });
  });

  describe("stack files, as the Pulumi CLI reads them", () => {
    let dir: string;
    const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
      write(
        "Pulumi.yaml",
        [
          "name: demo",
          "runtime: nodejs",
          "config:",
          "  owner: { type: string }",
          "  zones: { type: integer, default: 2 }",
          "  ids: { type: array, items: { type: string }, default: [] }",
        ].join("\n"),
      );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("applies project defaults and passes values as strings and JSON", () => {
      write("Pulumi.dev.yaml", "config:\n  demo:owner: team\n  demo:ids: ['1']\n");
      const settings = readStackSettings(dir, readProject(dir), "dev");
      assert.deepEqual(settings.config, {
        "demo:owner": "team",
        "demo:zones": "2",
        "demo:ids": '["1"]',
      });
    });

    it("names a missing value", () => {
      write("Pulumi.dev.yaml", "config: {}\n");
      assert.throws(() => readStackSettings(dir, readProject(dir), "dev"), {
        message: "Stack 'dev' is missing configuration value 'owner'",
      });
    });

    it("names a value of the wrong type", () => {
      write("Pulumi.dev.yaml", "config:\n  demo:owner: team\n  demo:zones: two\n");
      assert.throws(() => readStackSettings(dir, readProject(dir), "dev"), {
        message:
          "Stack 'dev' with configuration key 'zones' must be of type 'integer', not \"two\" (Pulumi.dev.yaml)",
      });
    });

    it("names the file, line and column of a YAML syntax error", () => {
      write("Pulumi.dev.yaml", "config:\n  demo:owner: team\n  demo:ids: [1, 2\n");
      assert.throws(() => readStackSettings(dir, readProject(dir), "dev"), {
        name: "StackFileError",
        message:
          "Pulumi.dev.yaml:4:1: unexpected end of the stream within a flow collection (not valid YAML)",
      });
    });

    it("marks another package's encrypted value secret", () => {
      write(
        "Pulumi.dev.yaml",
        "config:\n  demo:owner: team\n  aws:secretKey:\n    secure: v1:abc\n",
      );
      const settings = readStackSettings(dir, readProject(dir), "dev");
      assert.deepEqual(settings.secretKeys, ["aws:secretKey"]);
      assert.equal(settings.config["aws:secretKey"], "[secret]");
    });

    it("refuses a secure: value that is not ciphertext", () => {
      write("Pulumi.dev.yaml", "config:\n  demo:owner:\n    secure: [1]\n");
      assert.throws(() => readStackSettings(dir, readProject(dir), "dev"), {
        message:
          "Pulumi.dev.yaml: demo:owner has a secure: value that is not ciphertext (pulumi config set --secret demo:owner <value> writes it)",
      });
    });

    it("names an unknown stack and lists the known ones", () => {
      write("Pulumi.dev.yaml", "config:\n  demo:owner: team\n");
      assert.throws(() => readStackSettings(dir, readProject(dir), "qa"), {
        message: 'unknown stack "qa": there is no Pulumi.qa.yaml (stacks: dev)',
      });
    });
  });

  describe("encrypted values of this project's keys, offline", () => {
    const settingsOf = (from: string, to: string) =>
      withDevStackVariant(from, to, async (root) =>
        readStackSettings(root, readProject(root), "dev"),
      );

    it("stand in with a value the key accepts, and are listed as secret", async () => {
      const settings = await settingsOf(
        "payments-dr:alertEmail: payments-dev-alerts@acmepay.io",
        "payments-dr:alertEmail:\n    secure: v1:c2VjcmV0",
      );
      assert.deepEqual(settings.secretKeys, ["payments-dr:alertEmail"]);
      const standIn = settings.config["payments-dr:alertEmail"];
      assert.equal(standIn, offlineSecretStandIn("alertEmail"));
      assert.doesNotThrow(() =>
        parseStackConfig(
          { ...projectKeys(readProject(PROJECT_ROOT), settings.config) },
          { project: "payments-dr", stack: "dev" },
        ),
      );
    });

    it("refuse a key no stand-in can plan, naming it", async () => {
      await assert.rejects(
        settingsOf(
          "payments-dr:natGateways: none",
          "payments-dr:natGateways: none\n  payments-dr:dynamodbWitnessRegion:\n    secure: v1:c2VjcmV0",
        ),
        {
          message:
            "Pulumi.dev.yaml: payments-dr:dynamodbWitnessRegion is encrypted, and offline its value cannot be read; it decides which resources the stack has, so the offline plan cannot stand in for it. Keep it in plain text (it names a region or a file, not a secret).",
        },
      );
    });

    it("stand in for every key but the two that decide which resources exist", () => {
      const without = Object.keys(CONFIG_KEYS).filter((k) => offlineSecretStandIn(k) === undefined);
      assert.deepEqual(without.sort(), ["dynamodbWitnessRegion", "mutualTlsTruststore"]);
    });
  });
});
