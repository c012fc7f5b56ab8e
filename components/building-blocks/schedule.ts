/**
 * A function that EventBridge Scheduler invokes on a schedule: the schedule, and the execution
 * role it assumes to invoke the function, trusted by the service for this account only (EventBridge
 * Scheduler User Guide, "Set up the execution role":
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { policyDocument, rolePolicy } from "./iam";
import type { ChildOptions } from "./parts";

export interface ScheduleArgs {
  readonly functionArn: pulumi.Input<string>;
  readonly functionName: pulumi.Input<string>;
  readonly scheduleName: string;
  readonly roleName: string;
  readonly description: string;
  /** `rate(5 minutes)`, `rate(1 minute)`, … */
  readonly expression: string;
}

export function scheduledInvocation(
  name: string,
  args: ScheduleArgs,
  opts: ChildOptions,
): aws.scheduler.Schedule {
  const account = aws.getCallerIdentityOutput({}, { parent: opts.parent }).accountId;
  const role = new aws.iam.Role(
    `${name}-schedule`,
    {
      name: args.roleName,
      assumeRolePolicy: policyDocument(
        [
          {
            actions: ["sts:AssumeRole"],
            principals: [{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }],
            conditions: [
              { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
            ],
          },
        ],
        opts,
      ),
    },
    opts,
  );
  const policy = rolePolicy(
    `${name}-schedule`,
    role,
    [
      {
        sid: "InvokeTheFunction",
        actions: ["lambda:InvokeFunction"],
        resources: [args.functionArn],
      },
    ],
    opts,
  );
  // Scheduler invokes Lambda asynchronously (AWS Lambda Developer Guide, "Invoke a Lambda function
  // on a schedule": https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html),
  // and Lambda retries a failed asynchronous invocation twice and keeps an event for up to six
  // hours by default ("How Lambda handles errors and retries with asynchronous invocation":
  // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). A late or
  // retried run would overlap the next one: neither is wanted, the next run does the work.
  new aws.lambda.FunctionEventInvokeConfig(
    name,
    { functionName: args.functionName, maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
    opts,
  );
  return new aws.scheduler.Schedule(
    name,
    {
      name: args.scheduleName,
      description: args.description,
      scheduleExpression: args.expression,
      flexibleTimeWindow: { mode: "OFF" },
      // Scheduler's own retries (of the hand-over to Lambda) are off for the same reason.
      target: {
        arn: args.functionArn,
        roleArn: role.arn,
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    },
    { ...opts, dependsOn: [policy] },
  );
}
