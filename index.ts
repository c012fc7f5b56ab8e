/**
 * Composition root: configuration → regional providers → the global DNS zone → the tiers of each
 * region (network → keys → data → orchestration → compute → failover; the secondary replicates
 * the primary) → global traffic failover and dashboard → stack outputs.
 */
import * as aws from "@pulumi/aws";
import { arcProvider, regionalProvider } from "./components/building-blocks/providers";
import { loadStackConfig } from "./components/building-blocks/stack-config";
import { ComputeTier } from "./components/compute";
import { OperationsDashboard } from "./components/dashboard";
import { DataTier } from "./components/data";
import { FailoverTier } from "./components/failover";
import { regionSignals } from "./components/failover/region-alarms";
import { HostedZone } from "./components/hosted-zone";
import { DataKeys } from "./components/keys";
import { Network } from "./components/network";
import { OrchestrationTier } from "./components/orchestration";
import { GlobalEventEndpoint } from "./components/orchestration/global-event-endpoint";
import { TrafficFailover } from "./components/traffic";
import { apiDomainName } from "./model/dns";
import { Namer } from "./model/naming";
import { stackRecoveryBudget } from "./model/recovery";
import { peerOf, perRegion, primaryThenSecondary, type RegionRole } from "./model/regions";

const config = loadStackConfig();
const namer = new Namer({ prefix: config.namePrefix, environment: config.environment });
const providers = perRegion((role) =>
  regionalProvider(`aws-${role}`, config.regions[role], config),
);
const inRegion = (role: RegionRole) => ({ providers: { aws: providers[role] } });
const region = (role: RegionRole) => config.regions[role];

/** Route 53 is global; the primary's provider is as good as any for it. */
const zone = new HostedZone(
  "zone",
  {
    zoneName: config.dnsZoneName,
    existingZoneId: config.hostedZoneId,
    protect: config.protectData,
  },
  inRegion("primary"),
);

const networks = perRegion(
  (role) =>
    new Network(
      `${role}-network`,
      {
        region: region(role),
        cidrBlock: config.vpcCidrs[role],
        availabilityZoneCount: config.availabilityZoneCount,
        natGateways: config.natGateways,
        interfaceEndpoints: config.interfaceEndpoints,
        namer,
      },
      inRegion(role),
    ),
);

const keys = primaryThenSecondary<DataKeys>(
  (placement) =>
    new DataKeys(
      `${placement.role}-keys`,
      { ...placement, region: region(placement.role), namer, protectData: config.protectData },
      inRegion(placement.role),
    ),
);

const data = primaryThenSecondary<DataTier>(
  (placement) =>
    new DataTier(
      `${placement.role}-data`,
      {
        ...placement,
        region: region(placement.role),
        namer,
        config,
        keys: keys[placement.role],
        peerKeys: keys[peerOf(placement.role)],
        network: networks[placement.role],
      },
      inRegion(placement.role),
    ),
);
data.primary.replicateTo(data.secondary);
data.secondary.replicateTo(data.primary);

const orchestration = perRegion(
  (role) =>
    new OrchestrationTier(
      `${role}-orchestration`,
      { region: region(role), namer, data: data[role], config },
      inRegion(role),
    ),
);

const compute = primaryThenSecondary<ComputeTier>(
  (placement) =>
    new ComputeTier(
      `${placement.role}-compute`,
      {
        ...placement,
        region: region(placement.role),
        namer,
        data: data[placement.role],
        network: networks[placement.role],
        orchestration: orchestration[placement.role],
        zone,
        config,
      },
      inRegion(placement.role),
    ),
);

const traffic = new TrafficFailover(
  "traffic",
  {
    namer,
    zone,
    regions: config.regions,
    compute,
    healthChecks: config.healthChecks,
    recordTtlSeconds: config.failoverRecordTtlSeconds,
    arc: config.arcRoutingControls ? { provider: arcProvider(providers, config) } : undefined,
  },
  inRegion("primary"),
);

const eventEndpoint = config.eventBridgeGlobalEndpoint
  ? new GlobalEventEndpoint(
      "primary-orchestration-global-endpoint",
      {
        regions: config.regions,
        namer,
        busArns: perRegion((r) => orchestration[r].eventBusArn),
        healthCheckArn: traffic.endpointHealthCheckArns.primary,
        formerFailoverTier: "primary-failover",
      },
      { parent: orchestration.primary },
    )
  : undefined;

/** What each region's alarms and the dashboard watch, built once. */
const signals = perRegion((role) =>
  regionSignals(role, { regions: config.regions, data, orchestration, compute, traffic }),
);

const failover = perRegion(
  (role) =>
    new FailoverTier(
      `${role}-failover`,
      {
        role,
        namer,
        signals: signals[role],
        data: data[role],
        peerData: data[peerOf(role)],
        orchestration: orchestration[role],
        compute: compute[role],
        peerCompute: compute[peerOf(role)],
        traffic,
        config,
      },
      inRegion(role),
    ),
);
failover.primary.watch(failover.secondary);
failover.secondary.watch(failover.primary);

const dashboard = new OperationsDashboard(
  "dashboard",
  {
    dashboardName: namer.global("cloudwatchDashboard", "payments"),
    regions: [signals.primary, signals.secondary],
  },
  inRegion("primary"),
);

export const environment = config.environment;
export const regions = config.regions;
/** The account each regional provider deploys into: a preview shows it before anything changes. */
export const accountIds = perRegion(
  (role) => aws.getCallerIdentityOutput({}, { provider: providers[role] }).accountId,
);
export const vpcIds = perRegion((r) => networks[r].vpcId);
export const paymentsTable = {
  name: data.primary.tableName,
  globalTableArn: data.primary.globalTableArn,
};
/** What `npm run merchant` works on: the API keys' table and the pepper of their hashes. */
export const merchantKeys = {
  table: data.primary.merchants.tableName,
  pepperSecrets: perRegion((r) => data[r].apiSecrets.pepperSecretArn),
};
export const keyArns = perRegion((r) => keys[r].arn);
export const activeRegionParameter = data.primary.activeRegionParameter;
export const ledger = {
  globalClusterId: data.primary.globalClusterId,
  globalWriterEndpoint: data.primary.globalWriterEndpoint,
  endpoints: perRegion((r) => data[r].clusterEndpoint),
  readerEndpoints: perRegion((r) => data[r].clusterReaderEndpoint),
  credentialsSecretArns: perRegion((r) => data[r].credentialsSecretArn),
};
export const paymentWorkflows = perRegion((r) => orchestration[r].stateMachineArn);
export const receiptsBuckets = perRegion((r) => data[r].receiptsBucket);
export const dns = {
  zoneId: zone.zoneId,
  /** Delegate the zone to these from its parent (empty when the zone already existed). */
  nameServers: zone.nameServers,
  apiUrl: `https://${apiDomainName(config.dnsZoneName)}`,
  regionalApiUrls: perRegion((r) => compute[r].regionalUrl),
};
export const paymentQueues = perRegion((r) => compute[r].queueUrl);
export const alarmTopics = perRegion((r) => failover[r].alarmsTopicArn);
/** Completed payments at or above `highValueAmounts` (null when none is configured). */
export const highValueTopics = perRegion((r) => orchestration[r].highValueTopicArn ?? null);
export const dashboardName = dashboard.dashboardName;
/** Where producers send payment events when eventBridgeGlobalEndpoint is on; null when off. */
export const eventEndpointUrl = eventEndpoint?.url ?? null;
/** Start a planned drill or an unplanned failover into a region with its runbook (see README). */
export const failoverRunbooks = perRegion((r) => failover[r].runbookArn);
export const failoverOrchestrators = perRegion((r) => failover[r].orchestratorFunctionName);
export const failoverRunsTables = perRegion((r) => failover[r].runsTableName);
export const regionImpairedAlarms = perRegion((r) => failover[r].regionImpairedAlarmArn);
export const healthChecks = {
  endpoints: traffic.endpointHealthCheckIds,
  failoverRecords: traffic.recordHealthCheckIds,
};
/** The recovery budget, from the same values the health checks, records and alarms are given. */
export const recovery = {
  ...stackRecoveryBudget(config),
  /** Seconds a runbook run can take, from its start, read from the deployed definition. */
  writePath: failover.primary.runbookBounds,
  targets: config.targets,
};
