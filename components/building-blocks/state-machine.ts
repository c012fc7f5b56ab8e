/**
 * A STANDARD Step Functions state machine as this program deploys every one: its own role with
 * exactly the given statements (plus the region's key and log delivery), a KMS-encrypted log
 * group under /aws/vendedlogs/states, X-Ray tracing, and its data encrypted with the region's key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rolePolicy, serviceRole, type Statement } from "./iam";
import type { ChildOptions } from "./parts";
import type { AwsRegion } from "../../model/regions";

export interface StateMachineArgs {
  /** Logical names: the state machine's, and its role's (the log group is `<role>-logs`). */
  readonly logicalName: string;
  readonly roleLogicalName: string;
  readonly name: string;
  readonly roleName: string;
  readonly region: AwsRegion;
  readonly keyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly logLevel: "ALL" | "ERROR";
  /** What the state machine's steps call. */
  readonly statements: Statement[];
  readonly definition: pulumi.Input<string>;
}

export function encryptedStateMachine(
  args: StateMachineArgs,
  opts: ChildOptions,
): aws.sfn.StateMachine {
  const logGroup = new aws.cloudwatch.LogGroup(
    `${args.roleLogicalName}-logs`,
    {
      name: `/aws/vendedlogs/states/${args.name}`,
      kmsKeyId: args.keyArn,
      retentionInDays: args.logRetentionDays,
    },
    opts,
  );
  // Step Functions sends both confused-deputy keys when it assumes an execution role: the
  // account and the state machine's ARN (AWS Step Functions Developer Guide, "Creating an IAM role
  // for your state machine", cross-service confused deputy prevention:
  // https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html#prevent-cross-service-confused-deputy).
  const account = aws.getCallerIdentityOutput({}, { parent: opts.parent }).accountId;
  const role = serviceRole(
    args.roleLogicalName,
    {
      roleName: args.roleName,
      service: "states.amazonaws.com",
      source: {
        account,
        arn: pulumi.interpolate`arn:aws:states:${args.region}:${account}:stateMachine:*`,
      },
    },
    opts,
  );
  const policy = rolePolicy(
    args.roleLogicalName,
    role,
    [
      ...args.statements,
      {
        // Executions of a state machine encrypted with a customer managed key need both, and
        // logging to CloudWatch Logs needs GenerateDataKey (AWS Step Functions Developer Guide,
        // "Data at rest encryption": https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html).
        // The same key encrypts the queues and secrets the workflow's tasks use.
        sid: "UseTheRegionsKey",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: [args.keyArn],
      },
      {
        // CloudWatch Logs delivery and X-Ray take no resource-level permissions.
        sid: "DeliverLogsAndTraces",
        actions: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        resources: ["*"],
      },
    ],
    opts,
  );
  return new aws.sfn.StateMachine(
    args.logicalName,
    {
      name: args.name,
      type: "STANDARD",
      definition: args.definition,
      roleArn: role.arn,
      loggingConfiguration: {
        logDestination: pulumi.interpolate`${logGroup.arn}:*`,
        includeExecutionData: true,
        level: args.logLevel,
      },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: {
        type: "CUSTOMER_MANAGED_KMS_KEY",
        kmsKeyId: args.keyArn,
        kmsDataKeyReusePeriodSeconds: 300,
      },
    },
    // Step Functions checks the role when it creates the state machine.
    { ...opts, dependsOn: [policy] },
  );
}
