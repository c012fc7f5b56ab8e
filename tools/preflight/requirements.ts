/**
 * What a stack asks of the AWS account it deploys to, read from its offline plan (the resources
 * the program registers and the configuration it was given) rather than from the program's rules
 * again: reserved concurrency, the Aurora engine version, interface endpoint services and the
 * zones they go in, AWS Backup's settings, the hosted zone and the ARC routing controls.
 */
import type { Evaluation, RecordedResource } from "../engine/engine";

export interface FunctionReservation {
  /** The function's physical name (GetFunctionConcurrency takes it). */
  readonly name: string;
  readonly reserved: number;
}

export interface RegionRequirements {
  readonly region: string;
  /** Every function of the region with reserved concurrency. */
  readonly functions: readonly FunctionReservation[];
  /** Their sum: what the stack reserves of the region's account concurrency. */
  readonly reserved: number;
  /** Zones the VPC uses: the first `count` zone names AWS lists, or the names the VPC is given. */
  readonly zones:
    | { readonly kind: "first"; readonly count: number }
    | { readonly kind: "named"; readonly names: readonly string[] };
  /** Services of the region's interface endpoints (`com.amazonaws.<region>.sqs`, …). */
  readonly endpointServices: readonly string[];
  readonly backup: {
    /** The backup selection names DynamoDB tables and the plan copies them to another region. */
    readonly copiesDynamoDb: boolean;
    /** AWS Backup's resource types of what the selections name (`DynamoDB`, `Aurora`, `S3`). */
    readonly resourceTypes: readonly string[];
    /** The AWS Backup region settings the stack itself manages (aws.backup.RegionSettings). */
    readonly managed?: {
      readonly management: Readonly<Record<string, boolean>>;
      readonly optIn: Readonly<Record<string, boolean>>;
    };
  };
}

export interface ArcRequirements {
  /** The region of ARC's control plane (the routing controls' provider region). */
  readonly controlRegion: string;
  readonly clusterName: string;
  readonly controlPanelName: string;
  readonly routingControls: readonly string[];
}

export interface StackRequirements {
  readonly stack: string;
  readonly regions: { readonly primary: string; readonly secondary: string };
  readonly allowedAccountIds: readonly string[];
  readonly perRegion: readonly RegionRequirements[];
  /** The Aurora global database's engine and version; undefined when the plan has none. */
  readonly aurora?: {
    readonly engine: string;
    readonly version: string;
    /** The global cluster's identifier: once deployed, the version it runs is asked of it. */
    readonly globalClusterIdentifier: string;
  };
  readonly hostedZone: {
    readonly name: string;
    /** The existing zone the stack is given; undefined when the stack creates the zone. */
    readonly id?: string;
    /** The comment of the zone the stack creates, to tell it from other zones of the same name. */
    readonly comment?: string;
  };
  readonly arc?: ArcRequirements;
}

const FUNCTION = "aws:lambda/function:Function";
const VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const AWSX_VPC = "awsx:ec2:Vpc";
const GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster";
const BACKUP_SELECTION = "aws:backup/selection:Selection";
const BACKUP_PLAN = "aws:backup/plan:Plan";
const BACKUP_REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings";
const ZONE = "aws:route53/zone:Zone";
const ARC_CLUSTER = "aws:route53recoverycontrol/cluster:Cluster";
const ARC_CONTROL_PANEL = "aws:route53recoverycontrol/controlPanel:ControlPanel";
const ARC_ROUTING_CONTROL = "aws:route53recoverycontrol/routingControl:RoutingControl";
/**
 * awsx.ec2.Vpc's zone count when none is given (pulumi/pulumi-awsx awsx/ec2/vpc.ts, getDefaultAzs:
 * `azCount ?? 3`).
 */
const AWSX_DEFAULT_ZONE_COUNT = 3;

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null)
    : [];
const flags = (value: unknown): Record<string, boolean> =>
  Object.fromEntries(
    records([value]).flatMap((map) =>
      Object.entries(map).filter((e): e is [string, boolean] => typeof e[1] === "boolean"),
    ),
  );

/** The region of an ARN (`arn:<partition>:<service>:<region>:…`), "" for global resources. */
const arnRegion = (arn: string): string => arn.split(":")[3] ?? "";

const BACKUP_RESOURCE_TYPES: Readonly<Record<string, string>> = { dynamodb: "DynamoDB", s3: "S3" };

/**
 * AWS Backup's name of the resource type of an ARN a selection names, for the types this program
 * backs up (the keys of DescribeRegionSettings' maps: AWS Backup Developer Guide, "Feature
 * availability by resource": https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html).
 * An RDS cluster ARN here is the Aurora ledger's.
 */
function backupResourceType(arn: string): string | undefined {
  const service = arn.split(":")[2];
  if (service === "rds" && /^arn:[^:]+:rds:[^:]*:[^:]*:cluster:/.test(arn)) {
    return "Aurora";
  }
  return BACKUP_RESOURCE_TYPES[service];
}

function regionRequirements(
  resources: readonly RecordedResource[],
  region: string,
): RegionRequirements {
  const here = (type: string) => resources.filter((r) => r.type === type && r.region === region);

  const functions = here(FUNCTION)
    .map((f) => ({
      name: text(f.rawInputs.name) ?? f.name,
      reserved: Number(f.rawInputs.reservedConcurrentExecutions ?? 0),
    }))
    // -1 (the default) is no reservation, and 0 takes nothing from the account's pool (Pulumi
    // Registry, aws.lambda.Function, reservedConcurrentExecutions:
    // https://www.pulumi.com/registry/packages/aws/api-docs/lambda/function/).
    .filter((f) => f.reserved > 0);

  const vpc = resources.find((r) => r.type === AWSX_VPC && r.placement === region);
  const named = texts(vpc?.rawInputs.availabilityZoneNames);
  const zones: RegionRequirements["zones"] =
    named.length > 0
      ? { kind: "named", names: named }
      : {
          kind: "first",
          count: Number(vpc?.rawInputs.numberOfAvailabilityZones ?? AWSX_DEFAULT_ZONE_COUNT),
        };
  const interfaceEndpoints = here(VPC_ENDPOINT).filter(
    (e) => e.rawInputs.vpcEndpointType === "Interface",
  );

  const selected = here(BACKUP_SELECTION).flatMap((s) => texts(s.rawInputs.resources));
  const copiesAway = here(BACKUP_PLAN).some((plan) =>
    records(plan.rawInputs.rules).some((rule) =>
      records(rule.copyActions).some(
        (copy) => arnRegion(text(copy.destinationVaultArn) ?? "") !== region,
      ),
    ),
  );
  const settings = here(BACKUP_REGION_SETTINGS)[0];

  return {
    region,
    functions,
    reserved: functions.reduce((sum, f) => sum + f.reserved, 0),
    zones,
    endpointServices: interfaceEndpoints
      .map((e) => text(e.rawInputs.serviceName))
      .filter((s): s is string => s !== undefined),
    backup: {
      copiesDynamoDb: copiesAway && selected.some((arn) => arn.split(":")[2] === "dynamodb"),
      resourceTypes: [...new Set(selected.map(backupResourceType))]
        .filter((type): type is string => type !== undefined)
        .sort(),
      ...(settings === undefined
        ? {}
        : {
            managed: {
              management: flags(settings.rawInputs.resourceTypeManagementPreference),
              optIn: flags(settings.rawInputs.resourceTypeOptInPreference),
            },
          }),
    },
  };
}

function arcRequirements(resources: readonly RecordedResource[]): ArcRequirements | undefined {
  const cluster = resources.find((r) => r.type === ARC_CLUSTER);
  const panel = resources.find((r) => r.type === ARC_CONTROL_PANEL);
  if (cluster === undefined || panel === undefined) {
    return undefined;
  }
  return {
    // ARC's control plane is served in US West (Oregon) only (Recovery Control Config API
    // Reference, "What is recovery control configuration":
    // https://docs.aws.amazon.com/recovery-cluster/latest/api/what-is-recovery-control.html).
    controlRegion: cluster.placement ?? "us-west-2",
    clusterName: text(cluster.rawInputs.name) ?? cluster.name,
    controlPanelName: text(panel.rawInputs.name) ?? panel.name,
    routingControls: resources
      .filter((r) => r.type === ARC_ROUTING_CONTROL)
      .map((r) => text(r.rawInputs.name) ?? r.name),
  };
}

/** What the stack of `evaluation` asks of its account. */
export function stackRequirements(evaluation: Evaluation): StackRequirements {
  const { config, resources } = evaluation;
  const { primary, secondary } = config.regions;
  const globalCluster = resources.find((r) => r.type === GLOBAL_CLUSTER);
  const zone = resources.find((r) => r.type === ZONE);
  const engine = text(globalCluster?.rawInputs.engine);
  const version = text(globalCluster?.rawInputs.engineVersion);
  const globalClusterIdentifier = text(globalCluster?.rawInputs.globalClusterIdentifier) ?? "";
  const comment = text(zone?.rawInputs.comment);
  const arc = config.arcRoutingControls ? arcRequirements(resources) : undefined;
  return {
    stack: evaluation.stack,
    regions: { primary, secondary },
    allowedAccountIds: config.allowedAccountIds,
    perRegion: [primary, secondary].map((region) => regionRequirements(resources, region)),
    ...(engine === undefined || version === undefined
      ? {}
      : { aurora: { engine, version, globalClusterIdentifier } }),
    hostedZone: {
      name: config.dnsZoneName,
      ...(config.hostedZoneId === undefined ? {} : { id: config.hostedZoneId }),
      ...(comment === undefined ? {} : { comment }),
    },
    ...(arc === undefined ? {} : { arc }),
  };
}
