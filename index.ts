/**
 * Composition root: configuration → regional providers → the global DNS zone → the tiers of each
 * region (primary, then the secondary that replicates it) → stack outputs.
 */
import * as aws from "@pulumi/aws";
import { ComputeTier } from "./components/compute";
import { loadStackConfig } from "./components/building-blocks/stack-config";
import type { StackConfig } from "./model/config";
import { operationsDashboard } from "./components/dashboard";
import { DataTier, RECEIPTS_REPLICATION_MINUTES } from "./components/data";
import { apiDomainName } from "./model/dns";
import { FailoverTier } from "./components/failover";
import { HostedZone } from "./components/hosted-zone";
import { DataKeys } from "./components/keys";
import { Namer } from "./model/naming";
import { Network } from "./components/network";
import { OrchestrationTier } from "./components/orchestration";
import { rpoBudget, trafficBudget } from "./model/recovery";
import { TrafficFailover } from "./components/traffic";

type RegionRole = keyof StackConfig["regions"];

const config = loadStackConfig();
const namer = new Namer({ prefix: config.namePrefix, environment: config.environment });

/**
 * One provider per region (and ARC's, below), and no other: the stacks disable the default AWS
 * provider, so a resource or invoke that forgets its provider fails instead of landing in a
 * random region.
 */
function provider(name: string, region: string): aws.Provider {
  return new aws.Provider(name, {
    region,
    defaultTags: { tags: { ...config.tags } },
    allowedAccountIds:
      config.allowedAccountIds.length > 0 ? [...config.allowedAccountIds] : undefined,
  });
}

const providers: Record<RegionRole, aws.Provider> = {
  primary: provider("aws-primary", config.regions.primary),
  secondary: provider("aws-secondary", config.regions.secondary),
};

/** Route 53 is global; the primary's provider is as good as any for it. */
const zone = new HostedZone(
  "zone",
  {
    zoneName: config.dnsZoneName,
    existingZoneId: config.hostedZoneId,
    protect: config.protectData,
  },
  { providers: { aws: providers.primary } },
);

function network(role: RegionRole): Network {
  return new Network(
    `${role}-network`,
    {
      region: config.regions[role],
      cidrBlock: config.vpcCidrs[role],
      availabilityZoneCount: config.availabilityZoneCount,
      natGateways: config.natGateways,
      namer,
    },
    { providers: { aws: providers[role] } },
  );
}

const networks: Record<RegionRole, Network> = {
  primary: network("primary"),
  secondary: network("secondary"),
};

const primaryKeys = new DataKeys(
  "primary-keys",
  { region: config.regions.primary, namer, protectData: config.protectData },
  { providers: { aws: providers.primary } },
);
const keys: Record<RegionRole, DataKeys> = {
  primary: primaryKeys,
  secondary: new DataKeys(
    "secondary-keys",
    {
      region: config.regions.secondary,
      namer,
      protectData: config.protectData,
      primary: primaryKeys,
    },
    { providers: { aws: providers.secondary } },
  ),
};

function dataTier(role: RegionRole, primary?: DataTier): DataTier {
  return new DataTier(
    `${role}-data`,
    {
      role,
      region: config.regions[role],
      primaryRegion: config.regions.primary,
      namer,
      protectData: config.protectData,
      pitrRecoveryDays: config.pitrRecoveryDays,
      consistency: config.dynamodb.consistency,
      witnessRegion: config.dynamodb.witnessRegion,
      keys: keys[role],
      network: networks[role],
      logRetentionDays: config.logRetentionDays,
      database: {
        ...config.aurora,
        backupRetentionDays: config.backupRetentionDays,
        production: config.production,
      },
      peer:
        role === "primary" ? { region: config.regions.secondary, keys: keys.secondary } : undefined,
      receiptsInfrequentAccessDays: config.receiptsInfrequentAccessDays,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      primary,
    },
    { providers: { aws: providers[role] } },
  );
}

const primaryData = dataTier("primary");
const data: Record<RegionRole, DataTier> = {
  primary: primaryData,
  secondary: dataTier("secondary", primaryData),
};
data.primary.replicateTo(data.secondary);
data.secondary.replicateTo(data.primary);

function orchestration(role: RegionRole): OrchestrationTier {
  return new OrchestrationTier(
    `${role}-orchestration`,
    {
      region: config.regions[role],
      namer,
      data: data[role],
      logRetentionDays: config.logRetentionDays,
      rules: config.authorization,
      authorizeFunction: config.authorizeFunction,
      production: config.production,
    },
    { providers: { aws: providers[role] } },
  );
}

const orchestrationTiers: Record<RegionRole, OrchestrationTier> = {
  primary: orchestration("primary"),
  secondary: orchestration("secondary"),
};

function compute(role: RegionRole, primary?: ComputeTier): ComputeTier {
  return new ComputeTier(
    `${role}-compute`,
    {
      region: config.regions[role],
      namer,
      data: data[role],
      network: networks[role],
      orchestration: orchestrationTiers[role],
      zone,
      logRetentionDays: config.logRetentionDays,
      production: config.production,
      maxAmountMinor: config.authorization.maxAmountMinor,
      api: config.api,
      processor: config.processor,
      queue: config.queue,
      primary,
    },
    { providers: { aws: providers[role] } },
  );
}

const primaryCompute = compute("primary");
const computeTiers: Record<RegionRole, ComputeTier> = {
  primary: primaryCompute,
  secondary: compute("secondary", primaryCompute),
};

/** ARC's control-plane API is served from us-west-2 only: its resources go through a provider there. */
const ARC_CONTROL_REGION = "us-west-2";
function arcProvider(): aws.Provider {
  const role = (Object.keys(providers) as RegionRole[]).find(
    (r) => config.regions[r] === ARC_CONTROL_REGION,
  );
  return role !== undefined ? providers[role] : provider("aws-arc", ARC_CONTROL_REGION);
}

const traffic = new TrafficFailover(
  "traffic",
  {
    namer,
    zone,
    regions: config.regions,
    compute: computeTiers,
    healthChecks: config.healthChecks,
    recordTtlSeconds: config.failoverRecordTtlSeconds,
    arc: config.arcRoutingControls ? { provider: arcProvider() } : undefined,
  },
  { providers: { aws: providers.primary } },
);

/** Route 53 publishes health-check metrics only here; their alarms must be here too. */
const ROUTE53_METRICS_REGION = "us-east-1";
const peerOf: Record<RegionRole, RegionRole> = { primary: "secondary", secondary: "primary" };

/** A region's Lambda functions by short name: what its alarms and the dashboard watch. */
const handlerFunctions = (role: RegionRole) => ({
  "payments-api": computeTiers[role].functionNames.api,
  "payments-processor": computeTiers[role].functionNames.processor,
  health: computeTiers[role].functionNames.health,
  authorize: orchestrationTiers[role].authorizeFunctionName,
});

function failover(role: RegionRole): FailoverTier {
  return new FailoverTier(
    `${role}-failover`,
    {
      region: config.regions[role],
      peerRegion: config.regions[peerOf[role]],
      namer,
      alarmsTopicArn: orchestrationTiers[role].alarmsTopicArn,
      thresholds: config.alarms,
      alertEmail: config.alertEmail,
      healthCheckIds:
        config.regions[role] === ROUTE53_METRICS_REGION
          ? {
              [config.regions.primary]: traffic.endpointHealthCheckIds.primary,
              [config.regions.secondary]: traffic.endpointHealthCheckIds.secondary,
            }
          : undefined,
      globalEventEndpoint:
        role === "primary" && config.eventBridgeGlobalEndpoint
          ? {
              primaryBusArn: orchestrationTiers.primary.eventBusArn,
              secondaryBusArn: orchestrationTiers.secondary.eventBusArn,
              secondaryRegion: config.regions.secondary,
              healthCheckArn: traffic.endpointHealthCheckArns.primary,
            }
          : undefined,
      writePath: {
        keyArn: data[role].keyArn,
        logRetentionDays: config.logRetentionDays,
        protectData: config.protectData,
        paymentsTableName: data[role].tableName,
        globalClusterIdentifier: data[role].globalClusterId,
        clusterArn: data[role].clusterArn,
        clusterIdentifier: data[role].clusterIdentifier,
        activeRegionParameter: data[role].activeRegionParameter,
        activeRegionParameterArn: data[role].activeRegionParameterArn,
        peerActiveRegionParameterArn: data[peerOf[role]].activeRegionParameterArn,
        peerAlarmsTopicArn: orchestrationTiers[peerOf[role]].alarmsTopicArn,
        healthUrl: `${computeTiers[role].regionalUrl}/health?role=active`,
        rules: config.writeFailover,
        routingControls:
          traffic.routingControls === undefined
            ? undefined
            : {
                clusterEndpoints: traffic.routingControls.clusterEndpoints,
                controlArn: traffic.routingControls.controlArns[role],
                peerControlArn: traffic.routingControls.controlArns[peerOf[role]],
              },
      },
      signals: {
        apiName: computeTiers[role].restApiName,
        functions: handlerFunctions(role),
        stateMachineArn: orchestrationTiers[role].stateMachineArn,
        tableName: data[role].tableName,
        clusterIdentifier: data[role].clusterIdentifier,
        bucket: data[role].receiptsBucket,
        peerBucket: data[peerOf[role]].receiptsBucket,
      },
    },
    { providers: { aws: providers[role] } },
  );
}

const failoverTiers: Record<RegionRole, FailoverTier> = {
  primary: failover("primary"),
  secondary: failover("secondary"),
};
// Each region's region-impaired alarm reaches the other region's orchestrator.
failoverTiers.primary.notifyPeerOrchestrator(failoverTiers.secondary);
failoverTiers.secondary.notifyPeerOrchestrator(failoverTiers.primary);
const signals = (role: RegionRole) => ({
  role,
  region: config.regions[role],
  peerRegion: config.regions[peerOf[role]],
  apiName: computeTiers[role].restApiName,
  functionNames: Object.values(handlerFunctions(role)),
  stateMachineArn: orchestrationTiers[role].stateMachineArn,
  tableName: data[role].tableName,
  clusterIdentifier: data[role].clusterIdentifier,
  bucket: data[role].receiptsBucket,
  peerBucket: data[peerOf[role]].receiptsBucket,
  deadLetterQueue: computeTiers[role].deadLetterQueueName,
  healthCheckId: traffic.endpointHealthCheckIds[role],
});
const dashboard = operationsDashboard(
  "dashboard",
  namer.global("cloudwatchDashboard", "payments"),
  [signals("primary"), signals("secondary")],
  { provider: providers.primary },
);

/** One value per region, for outputs: `{ primary, secondary }`. */
const perRegion = <T>(of: (role: RegionRole) => T): Record<RegionRole, T> => ({
  primary: of("primary"),
  secondary: of("secondary"),
});

export const environment = config.environment;
export const regions = config.regions;
/** The account each regional provider deploys into: a preview shows it before anything changes. */
export const accountIds = {
  primary: aws.getCallerIdentityOutput({}, { provider: providers.primary }).accountId,
  secondary: aws.getCallerIdentityOutput({}, { provider: providers.secondary }).accountId,
};
export const vpcIds = { primary: networks.primary.vpcId, secondary: networks.secondary.vpcId };
export const paymentsTable = {
  name: data.primary.tableName,
  globalTableArn: data.primary.globalTableArn,
};
export const keyArns = { primary: keys.primary.arn, secondary: keys.secondary.arn };
export const activeRegionParameter = data.primary.activeRegionParameter;
export const ledger = {
  globalClusterId: data.primary.globalClusterId,
  globalWriterEndpoint: data.primary.globalWriterEndpoint,
  endpoints: perRegion((r) => data[r].clusterEndpoint),
  readerEndpoints: perRegion((r) => data[r].clusterReaderEndpoint),
  credentialsSecretArns: perRegion((r) => data[r].credentialsSecretArn),
};
export const paymentWorkflows = perRegion((r) => orchestrationTiers[r].stateMachineArn);
export const receiptsBuckets = perRegion((r) => data[r].receiptsBucket);
export const dns = {
  zoneId: zone.zoneId,
  /** Delegate the zone to these from its parent (empty when the zone already existed). */
  nameServers: zone.nameServers,
  apiUrl: `https://${apiDomainName(config.dnsZoneName)}`,
  regionalApiUrls: perRegion((r) => computeTiers[r].regionalUrl),
};
export const paymentQueues = perRegion((r) => computeTiers[r].queueUrl);
export const alarmTopics = perRegion((r) => orchestrationTiers[r].alarmsTopicArn);
export const dashboardName = dashboard.dashboardName;
/** Where producers send payment events when eventBridgeGlobalEndpoint is on; null when off. */
export const eventEndpointUrl = failoverTiers.primary.eventEndpointUrl ?? null;
/** Start a planned drill or an unplanned failover into a region with its runbook (see README). */
export const failoverRunbooks = perRegion((r) => failoverTiers[r].runbookArn);
export const failoverOrchestrators = perRegion((r) => failoverTiers[r].orchestratorFunctionName);
export const failoverRunsTables = perRegion((r) => failoverTiers[r].runsTableName);
export const regionImpairedAlarms = perRegion((r) => failoverTiers[r].regionImpairedAlarmArn);
export const healthChecks = {
  endpoints: traffic.endpointHealthCheckIds,
  failoverRecords: traffic.recordHealthCheckIds,
};
/** The recovery budget, from the same values the health checks and records are given. */
export const recovery = {
  traffic: trafficBudget(
    [
      {
        requestInterval: config.healthChecks.intervalSeconds,
        failureThreshold: config.healthChecks.failureThreshold,
      },
    ],
    [config.failoverRecordTtlSeconds],
  ),
  rpo: rpoBudget({
    strongConsistency: config.dynamodb.consistency === "strong",
    dynamodbReplicationAlarmMs: config.alarms.dynamodbReplicationLatencyMs,
    auroraRpoLagAlarmMs: config.alarms.auroraRpoLagMs,
    s3ReplicationTimeMinutes: RECEIPTS_REPLICATION_MINUTES,
  }),
  /** Seconds a runbook run can take, from its start, read from the deployed definition. */
  writePath: failoverTiers.primary.runbookBounds,
  targets: config.targets,
};
