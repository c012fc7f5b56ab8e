/**
 * A Secrets Manager secret as this program keeps every one: under the region's key, replicated to
 * the peer region under the peer's key, and recoverable for 30 days after a delete when the stack
 * protects its data. A replica has the primary secret's ARN with its own region (Secrets Manager
 * User Guide, "Replicate secrets across Regions":
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsRegion } from "../../model/regions";

export interface ReplicatedSecretArgs {
  readonly secretName: string;
  readonly description: string;
  readonly keyArn: pulumi.Input<string>;
  readonly peer: { readonly region: AwsRegion; readonly keyArn: pulumi.Input<string> };
  readonly protectData: boolean;
}

export function replicatedSecret(
  name: string,
  args: ReplicatedSecretArgs,
  opts: pulumi.CustomResourceOptions,
): aws.secretsmanager.Secret {
  return new aws.secretsmanager.Secret(
    name,
    {
      name: args.secretName,
      description: args.description,
      kmsKeyId: args.keyArn,
      replicas: [{ region: args.peer.region, kmsKeyId: args.peer.keyArn }],
      recoveryWindowInDays: args.protectData ? 30 : 0,
    },
    opts,
  );
}

/** The ARN of a secret's replica in `region`. */
export function replicaSecretArn(
  arn: pulumi.Output<string>,
  region: AwsRegion,
): pulumi.Output<string> {
  return arn.apply((a) => a.replace(/:secretsmanager:[^:]+:/, `:secretsmanager:${region}:`));
}
