/**
 * The KMS key of one region: a multi-Region key in the primary region and its replica in the
 * secondary, so data encrypted in one region decrypts in the other. Every encrypted resource of
 * the region uses this key. Created before the data tiers, because the primary region's data
 * (the database credentials secret) replicates under the secondary region's key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "./building-blocks/iam";
import { type Namer, PAYMENT_EVENT_BUS } from "../model/naming";
import type { AwsRegion } from "../model/regions";

export type DataKeysArgs = {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly protectData: boolean;
} & (
  | { readonly role: "primary" }
  /** The primary region's key, for the secondary region's replica. */
  | { readonly role: "secondary"; readonly primary: DataKeys }
);

/** What AWS services need of the key when they encrypt on their own behalf (not via a grant). */
const SERVICE_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"];

export class DataKeys extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly keyId: pulumi.Output<string>;
  readonly alias: pulumi.Output<string>;

  constructor(name: string, args: DataKeysArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:DataKeys", name, {}, opts);
    const { region } = args;
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const policy = policyDocument(
      [
        {
          sid: "AccountAdministersTheKeyThroughIam",
          principals: [
            { type: "AWS", identifiers: [pulumi.interpolate`arn:aws:iam::${account}:root`] },
          ],
          actions: ["kms:*"],
          resources: ["*"],
        },
        {
          sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
          principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
          actions: [
            "kms:Encrypt*",
            "kms:Decrypt*",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:Describe*",
          ],
          resources: ["*"],
          conditions: [
            {
              test: "ArnLike",
              variable: "kms:EncryptionContext:aws:logs:arn",
              values: [pulumi.interpolate`arn:aws:logs:${region}:${account}:log-group:*`],
            },
          ],
        },
        {
          // EventBridge checks the key when a bus or archive is created or updated with it, and
          // uses it for the payment bus and its archive. Amazon EventBridge User Guide, "Encrypting
          // EventBridge archives with AWS KMS keys" (key policy) and "Authorizing EventBridge to
          // use a customer managed key":
          // https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html
          // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html
          sid: "EventBridgeDescribesTheKey",
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          actions: ["kms:DescribeKey"],
          resources: ["*"],
        },
        {
          // The archive re-encrypts what the bus encrypted; every use names the bus in its
          // encryption context (kms:EncryptionContext:aws:events:event-bus:arn).
          sid: "EventBridgeEncryptsThePaymentBusAndArchive",
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          actions: ["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncrypt*"],
          resources: ["*"],
          conditions: [
            {
              test: "StringEquals",
              variable: "kms:EncryptionContext:aws:events:event-bus:arn",
              values: [
                pulumi.interpolate`arn:aws:events:${region}:${account}:event-bus/${args.namer.global("eventBus", PAYMENT_EVENT_BUS)}`,
              ],
            },
          ],
        },
        {
          // Alarms publish to the encrypted alarms topics. Amazon SNS Developer Guide, "Enable
          // compatibility between event sources from AWS services and encrypted topics":
          // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
          sid: "AlarmsPublishToEncryptedTopics",
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          actions: SERVICE_KEY_ACTIONS,
          resources: ["*"],
          conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
        },
        {
          // The outcomes rule delivers to the encrypted payment-events topic. The same page:
          // "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS
          // policy is not supported for EventBridge-to-encrypted topics" — a condition here would
          // never match, and no event would be delivered.
          sid: "EventBridgeDeliversToEncryptedTopics",
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          actions: SERVICE_KEY_ACTIONS,
          resources: ["*"],
        },
        {
          // Step Functions logs executions of state machines encrypted with this key. AWS Step
          // Functions Developer Guide, "Data at rest encryption", step 3: "you must allow
          // delivery.logs.amazonaws.com to do kms:Decrypt action from your AWS KMS key policy"
          // (the page's statement has no condition):
          // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
          sid: "LogDeliveryReadsStateMachineLogs",
          principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
          actions: ["kms:Decrypt"],
          resources: ["*"],
        },
      ],
      parent,
    );

    const description =
      "payments-dr data at rest: tables, database, buckets, queues, logs, secrets";
    const deletionWindowInDays = args.protectData ? 30 : 7;
    const keyOptions = { ...parent, protect: args.protectData, retainOnDelete: args.protectData };
    const key =
      args.role === "primary"
        ? new aws.kms.Key(
            `${name}-key`,
            {
              description,
              multiRegion: true,
              enableKeyRotation: true,
              deletionWindowInDays,
              policy,
            },
            keyOptions,
          )
        : new aws.kms.ReplicaKey(
            `${name}-key`,
            { description, primaryKeyArn: args.primary.arn, deletionWindowInDays, policy },
            keyOptions,
          );
    const alias = new aws.kms.Alias(
      `${name}-key`,
      { name: args.namer.global("kmsAlias", "payments"), targetKeyId: key.keyId },
      parent,
    );

    this.arn = key.arn;
    this.keyId = key.keyId;
    this.alias = alias.name;
    this.registerOutputs({ arn: this.arn, keyId: this.keyId, alias: this.alias });
  }
}
