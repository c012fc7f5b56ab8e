/** IAM pieces every tier needs, written once. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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
      assumeRolePolicy: aws.iam.getPolicyDocumentOutput(
        {
          statements: [
            {
              actions: ["sts:AssumeRole"],
              principals: [{ type: "Service", identifiers: [args.service] }],
            },
          ],
        },
        { parent },
      ).json,
    },
    { parent },
  );
}
