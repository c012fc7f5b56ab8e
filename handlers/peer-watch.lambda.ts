/**
 * The peer watch Lambda (thin AWS shell around ./peer-watch), run every minute by EventBridge
 * Scheduler in both regions, outside the VPC (it calls the other region's API and the RDS control
 * plane). It self-fences this region when its flag names it while another region's cluster writes
 * (SSM PutParameter on its own flag, Lambda UpdateEventSourceMapping Enabled=false on its own
 * processor's mappings), then probes the other region's `/health` and publishes `PeerHealthy`
 * (1 or 0; namespace `Payments/Failover`, dimension `service=peer-watch`) in Embedded Metric
 * Format.
 *
 * Environment: ACTIVE_REGION_PARAMETER, GLOBAL_CLUSTER_ID, OWN_CLUSTER_ARN, PROCESSOR_MAPPINGS
 * (comma-separated UUIDs), PEER_HEALTH_URL and the runtime's AWS_REGION.
 */
import {
  probeResult,
  type ProbeResult,
  selfFenceDecision,
  type SelfFenceDecision,
} from "./peer-watch";
import { FAIL_FAST, requiredEnv } from "./runtime";

type Ssm = typeof import("@aws-sdk/client-ssm");
type Rds = typeof import("@aws-sdk/client-rds");
type Lambda = typeof import("@aws-sdk/client-lambda");
type PowertoolsMetrics = typeof import("@aws-lambda-powertools/metrics");

export const PEER_METRICS_NAMESPACE = "Payments/Failover";
export const PEER_METRICS_SERVICE = "peer-watch";
export const PEER_HEALTHY_METRIC = "PeerHealthy";

export interface PeerWatchResult {
  readonly selfFence: SelfFenceDecision | { readonly fence: false; readonly why: string };
  readonly peer: ProbeResult;
}

export async function peerWatchHandler(): Promise<PeerWatchResult> {
  const region = requiredEnv("AWS_REGION");
  const parameter = requiredEnv("ACTIVE_REGION_PARAMETER");
  /* eslint-disable @typescript-eslint/no-require-imports */
  const ssm = require("@aws-sdk/client-ssm") as Ssm;
  const rds = require("@aws-sdk/client-rds") as Rds;
  const lambda = require("@aws-sdk/client-lambda") as Lambda;
  const { Metrics, MetricUnit } = require("@aws-lambda-powertools/metrics") as PowertoolsMetrics;
  /* eslint-enable @typescript-eslint/no-require-imports */

  let selfFence: PeerWatchResult["selfFence"];
  try {
    const parameters = new ssm.SSMClient({});
    const flag =
      (await parameters.send(new ssm.GetParameterCommand({ Name: parameter }))).Parameter?.Value ??
      "";
    const described = await new rds.RDSClient({}).send(
      new rds.DescribeGlobalClustersCommand({
        GlobalClusterIdentifier: requiredEnv("GLOBAL_CLUSTER_ID"),
      }),
    );
    const cluster = described.GlobalClusters?.[0];
    const writers = (cluster?.GlobalClusterMembers ?? []).filter((m) => m.IsWriter === true);
    const failover = cluster?.FailoverState;
    selfFence = selfFenceDecision(region, flag, {
      ownClusterArn: requiredEnv("OWN_CLUSTER_ARN"),
      writerClusterArn: writers.length === 1 ? (writers[0].DBClusterArn ?? null) : null,
      switching:
        failover?.Status === undefined
          ? null
          : {
              status: failover.Status,
              from: failover.FromDbClusterArn ?? null,
              to: failover.ToDbClusterArn ?? null,
            },
    });
    if (selfFence.fence) {
      console.warn(`self-fencing ${region}: ${selfFence.why}`);
      await parameters.send(
        new ssm.PutParameterCommand({
          Name: parameter,
          Value: selfFence.activeRegion,
          Overwrite: true,
        }),
      );
      const functions = new lambda.LambdaClient({});
      for (const uuid of requiredEnv("PROCESSOR_MAPPINGS").split(",")) {
        await functions.send(
          new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }),
        );
      }
    }
  } catch (error) {
    // The probe below still runs: detection must not wait on this region's own control plane.
    console.error("self-fence check failed", error);
    selfFence = {
      fence: false,
      why: `not checked (${error instanceof Error ? error.name : "Error"})`,
    };
  }

  const peer = probeResult(
    await fetch(requiredEnv("PEER_HEALTH_URL"), {
      signal: AbortSignal.timeout(FAIL_FAST.connectionTimeoutMs + FAIL_FAST.requestTimeoutMs),
    }).then(
      (response) => ({ status: response.status }),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    ),
  );
  const metrics = new Metrics({
    namespace: PEER_METRICS_NAMESPACE,
    serviceName: PEER_METRICS_SERVICE,
  });
  metrics.addMetric(PEER_HEALTHY_METRIC, MetricUnit.Count, peer.healthy ? 1 : 0);
  metrics.publishStoredMetrics();
  return { selfFence, peer };
}
