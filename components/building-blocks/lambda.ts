/**
 * A handler as this program deploys every Lambda: an `aws.lambda.CallbackFunction` with an
 * explicit least-privilege role (never CallbackFunction's default role with nine broad managed
 * policies), a KMS-encrypted log group and environment, reserved concurrency, a bounded timeout,
 * and an artifact without the packages the Lambda runtime provides or the handler does not use.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import projectPackage from "../../package.json";
import { rolePolicy, serviceRole, type Statement } from "./iam";
import type { ChildOptions } from "./parts";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";

export interface HandlerArgs<E, R> {
  /** The physical name's base (the function becomes `<prefix>-<env>-<base>-<region code>`). */
  readonly base: string;
  readonly callback: aws.lambda.Callback<E, R>;
  readonly description: string;
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /** What the handler may do, besides writing its own logs. */
  readonly statements: Statement[];
  readonly environment: Record<string, pulumi.Input<string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly reservedConcurrency: number;
  /** Packages the handler requires that the Lambda runtime does not provide. */
  readonly packages?: readonly string[];
  /** Runs the function in these private subnets with this security group. */
  readonly vpc?: {
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroupId: pulumi.Input<string>;
  };
}

/** What Lambda needs to attach a function to the VPC (AWSLambdaVPCAccessExecutionRole's actions,
 * which take no resource-level permissions). */
const VPC_ACCESS: Statement = {
  sid: "AttachToTheVpc",
  actions: [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
  ],
  resources: ["*"],
};

/** Every dependency of the program except those a handler needs: CallbackFunction packages them all. */
export function excludedPackages(needed: readonly string[] = []): string[] {
  return Object.keys(projectPackage.dependencies).filter((name) => !needed.includes(name));
}

/** `name` is the logical name (unique in the stack); children are named after it. */
export function handlerFunction<E, R>(
  name: string,
  args: HandlerArgs<E, R>,
  opts: ChildOptions,
): aws.lambda.CallbackFunction<E, R> {
  const functionName = args.namer.regional("lambdaFunction", args.base, args.region);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    {
      name: `/aws/lambda/${functionName}`,
      kmsKeyId: args.keyArn,
      retentionInDays: args.logRetentionDays,
    },
    opts,
  );
  const role = serviceRole(
    name,
    {
      roleName: args.namer.regional("iamRole", args.base, args.region),
      service: "lambda.amazonaws.com",
    },
    opts,
  );
  const policy = rolePolicy(
    name,
    role,
    [
      {
        sid: "WriteOwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [pulumi.interpolate`${logGroup.arn}:*`],
      },
      {
        sid: "DecryptOwnEnvironment",
        actions: ["kms:Decrypt"],
        resources: [args.keyArn],
      },
      ...(args.vpc === undefined ? [] : [VPC_ACCESS]),
      ...args.statements,
    ],
    opts,
  );
  return new aws.lambda.CallbackFunction<E, R>(
    name,
    {
      name: functionName,
      description: args.description,
      callback: args.callback,
      role: role.arn,
      runtime: aws.lambda.Runtime.NodeJS22dX,
      // Graviton: a GB-second costs 20 % less than on x86_64 (https://aws.amazon.com/lambda/pricing/);
      // the handlers and their packages are JavaScript only, with no native code to rebuild
      // (https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html).
      architectures: ["arm64"],
      timeout: args.timeoutSeconds,
      memorySize: args.memoryMb,
      reservedConcurrentExecutions: args.reservedConcurrency,
      environment: { variables: args.environment },
      kmsKeyArn: args.keyArn,
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      vpcConfig:
        args.vpc === undefined
          ? undefined
          : { subnetIds: args.vpc.subnetIds, securityGroupIds: [args.vpc.securityGroupId] },
      codePathOptions: { extraExcludePackages: excludedPackages(args.packages) },
    },
    { ...opts, dependsOn: [policy] },
  );
}
