/** IAM pieces every tier needs, written once. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildOptions } from "./parts";

export type Statement = aws.types.input.iam.GetPolicyDocumentStatementArgs;

/** A policy document (IAM, key, bucket, bus or topic policy) as the JSON AWS takes. */
export function policyDocument(
  statements: Statement[],
  opts: { readonly parent: pulumi.Resource },
): pulumi.Output<string> {
  return aws.iam.getPolicyDocumentOutput({ statements }, { parent: opts.parent }).json;
}

/**
 * A role that one AWS service (`lambda.amazonaws.com`, …) assumes, trusting that service alone.
 * With `source`, only for this account's resources matching the ARN pattern (the confused-deputy
 * conditions `aws:SourceAccount` and `aws:SourceArn`). Give it only where the service's own page
 * says the service sends both keys when it assumes the role: a condition on a key the service
 * does not send makes a role nobody can assume.
 */
export function serviceRole(
  name: string,
  args: {
    readonly roleName: string;
    readonly service: string;
    readonly source?: {
      readonly account: pulumi.Input<string>;
      readonly arn: pulumi.Input<string>;
    };
  },
  opts: ChildOptions,
): aws.iam.Role {
  const { source } = args;
  return new aws.iam.Role(
    name,
    {
      name: args.roleName,
      assumeRolePolicy: policyDocument(
        [
          {
            actions: ["sts:AssumeRole"],
            principals: [{ type: "Service", identifiers: [args.service] }],
            ...(source === undefined
              ? {}
              : {
                  conditions: [
                    {
                      test: "StringEquals",
                      variable: "aws:SourceAccount",
                      values: [source.account],
                    },
                    { test: "ArnLike", variable: "aws:SourceArn", values: [source.arn] },
                  ],
                }),
          },
        ],
        opts,
      ),
    },
    opts,
  );
}

/** The inline policy of a role: what the role may do, and nothing else. */
export function rolePolicy(
  name: string,
  role: aws.iam.Role,
  statements: Statement[],
  opts: ChildOptions,
): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(
    name,
    { role: role.name, policy: policyDocument(statements, opts) },
    opts,
  );
}
