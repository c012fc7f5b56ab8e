/** IAM pieces every tier needs, written once. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type Statement = aws.types.input.iam.GetPolicyDocumentStatementArgs;

/** A policy document (IAM, key, bucket, bus or topic policy) as the JSON AWS takes. */
export function policyDocument(
  statements: Statement[],
  parent: pulumi.Resource,
): pulumi.Output<string> {
  return aws.iam.getPolicyDocumentOutput({ statements }, { parent }).json;
}

/** A role that one AWS service (`lambda.amazonaws.com`, …) assumes, trusting that service alone. */
export function serviceRole(
  name: string,
  args: { readonly roleName: string; readonly service: string },
  parent: pulumi.Resource,
): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      name: args.roleName,
      assumeRolePolicy: policyDocument(
        [
          {
            actions: ["sts:AssumeRole"],
            principals: [{ type: "Service", identifiers: [args.service] }],
          },
        ],
        parent,
      ),
    },
    { parent },
  );
}

/** The inline policy of a role: what the role may do, and nothing else. */
export function rolePolicy(
  name: string,
  role: aws.iam.Role,
  statements: Statement[],
  parent: pulumi.Resource,
): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(
    name,
    { role: role.name, policy: policyDocument(statements, parent) },
    { parent },
  );
}
