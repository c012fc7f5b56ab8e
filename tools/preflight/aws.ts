/**
 * The AWS clients the preflight reads with, one per service and region. Credentials come from the
 * SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …) unless given; endpoints from
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> when set (AWS SDKs and Tools Reference Guide,
 * "Service-specific endpoints": https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html),
 * which is how the tests point the CLI at a local stub.
 */
import { BackupClient } from "@aws-sdk/client-backup";
import { EC2Client } from "@aws-sdk/client-ec2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import { Route53RecoveryClusterClient } from "@aws-sdk/client-route53-recovery-cluster";
import { Route53RecoveryControlConfigClient } from "@aws-sdk/client-route53-recovery-control-config";
import { STSClient } from "@aws-sdk/client-sts";

export interface PreflightAws {
  readonly sts: (region: string) => STSClient;
  readonly lambda: (region: string) => LambdaClient;
  readonly rds: (region: string) => RDSClient;
  readonly ec2: (region: string) => EC2Client;
  readonly backup: (region: string) => BackupClient;
  /** Route 53 is global; its API signs for us-east-1. */
  readonly route53: () => Route53Client;
  /** ARC's control plane (clusters, control panels, routing controls), served in one region. */
  readonly arcControl: (region: string) => Route53RecoveryControlConfigClient;
  /** One of an ARC cluster's regional data-plane endpoints. */
  readonly arcCluster: (endpoint: string, region: string) => Route53RecoveryClusterClient;
}

export interface AwsClientOptions {
  /** Every client's endpoint (the tests' stub); the SDK's resolution when undefined. */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Where the control-plane client reads its endpoint variables; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The newest @aws-sdk/client-route53-recovery-control-config on the npm registry, 3.332.0, predates
 * the SDK's endpoint variables; its client is given the endpoint the newer clients would resolve
 * from them (the service-specific variable, then AWS_ENDPOINT_URL), or none.
 */
function controlConfigEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_ROUTE53_RECOVERY_CONTROL_CONFIG ?? env.AWS_ENDPOINT_URL;
}

/** The SDK's clients, made on first use and kept; `destroy` closes them all. */
export function sdkClients(options: AwsClientOptions = {}): PreflightAws & { destroy(): void } {
  const made = new Map<string, { destroy(): void }>();
  const once = <C extends { destroy(): void }>(key: string, create: () => C): C => {
    const existing = made.get(key) as C | undefined;
    if (existing !== undefined) {
      return existing;
    }
    const client = create();
    made.set(key, client);
    return client;
  };
  const config = (region: string, endpoint = options.endpoint) => ({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  return {
    sts: (region) => once(`sts ${region}`, () => new STSClient(config(region))),
    lambda: (region) => once(`lambda ${region}`, () => new LambdaClient(config(region))),
    rds: (region) => once(`rds ${region}`, () => new RDSClient(config(region))),
    ec2: (region) => once(`ec2 ${region}`, () => new EC2Client(config(region))),
    backup: (region) => once(`backup ${region}`, () => new BackupClient(config(region))),
    route53: () => once("route53", () => new Route53Client(config("us-east-1"))),
    arcControl: (region) =>
      once(
        `arc-control ${region}`,
        () =>
          new Route53RecoveryControlConfigClient(
            config(region, options.endpoint ?? controlConfigEndpoint(options.env ?? process.env)),
          ),
      ),
    arcCluster: (endpoint, region) =>
      once(
        `arc-cluster ${endpoint}`,
        () => new Route53RecoveryClusterClient(config(region, endpoint)),
      ),
    destroy: () => {
      for (const client of made.values()) {
        client.destroy();
      }
      made.clear();
    },
  };
}
