/**
 * The preflight (tools/preflight.ts) against a local stub of the AWS APIs it reads, through the real
 * SDK clients: every answer follows the API reference's response syntax (cited beside it), so the
 * SDK serializes the requests and parses the answers as it would AWS's. The stub serves one "world"
 * (an account's state) that each test changes from a healthy one. The stacks' offline plans are the
 * shared cached ones; the CLI runs once as a child process, as operators run it.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import type { Evaluation } from "../../tools/engine/engine";
import {
  type AwsStub,
  close,
  listen,
  startAwsStub,
  type StubAnswer,
  type StubRoute,
} from "../../tools/harness/emulators";
import { runPreflight } from "../../tools/preflight";
import { sdkClients } from "../../tools/preflight/aws";
import { withDevStackVariant } from "../fixtures/stack-files";
import { stackPlan } from "../fixtures/plan";

const ROOT = path.resolve(__dirname, "..", "..");
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const DEV_ACCOUNT = "123456789012";
const PROD_ACCOUNT = "418295077265";
const REGIONS = ["us-east-1", "us-west-2"];
const NAME_SERVERS = [
  "ns-1536.awsdns-00.co.uk",
  "ns-0.awsdns-00.com",
  "ns-1024.awsdns-00.org",
  "ns-512.awsdns-00.net",
];

// ---- what the plans ask (read here independently of tools/preflight/requirements.ts) ----------

const ofType = (plan: Evaluation, type: string, region?: string) =>
  plan.resources.filter((r) => r.type === type && (region === undefined || r.region === region));

function functionsIn(plan: Evaluation, region: string): { name: string; reserved: number }[] {
  return ofType(plan, "aws:lambda/function:Function", region)
    .map((f) => ({
      name: String(f.rawInputs.name),
      reserved: Number(f.rawInputs.reservedConcurrentExecutions ?? 0),
    }))
    .filter((f) => f.reserved > 0);
}

const reservedIn = (plan: Evaluation, region: string) =>
  functionsIn(plan, region).reduce((sum, f) => sum + f.reserved, 0);

const servicesIn = (plan: Evaluation, region: string) =>
  ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint", region)
    .filter((e) => e.rawInputs.vpcEndpointType === "Interface")
    .map((e) => String(e.rawInputs.serviceName));

const auroraVersion = (plan: Evaluation) =>
  String(ofType(plan, "aws:rds/globalCluster:GlobalCluster")[0].rawInputs.engineVersion);

const arcName = (plan: Evaluation, kind: "cluster:Cluster" | "controlPanel:ControlPanel") =>
  String(ofType(plan, `aws:route53recoverycontrol/${kind}`)[0]?.rawInputs.name);

const controlNames = (plan: Evaluation) =>
  ofType(plan, "aws:route53recoverycontrol/routingControl:RoutingControl").map((r) =>
    String(r.rawInputs.name),
  );

// ---- the account the stub serves ---------------------------------------------------------------

interface Zone {
  name: string;
  id: string;
  type: string;
}

interface World {
  account: string;
  /** Per region: the quota, what no function reserves, and the deployed functions' reservations. */
  lambda: Record<string, { quota: number; unreserved: number; deployed: Record<string, number> }>;
  /** Per region: the aurora-postgresql versions offered. */
  engineVersions: Record<string, { version: string; status: string; global: boolean }[]>;
  /** The version the deployed global database runs; undefined before it exists. */
  globalClusterVersion?: string;
  zones: Record<string, Zone[]>;
  /** Per region: each endpoint service's zones. */
  services: Record<string, Record<string, string[]>>;
  backup: Record<string, { management: Record<string, boolean>; optIn: Record<string, boolean> }>;
  hostedZones: { id: string; name: string; private: boolean; comment: string; ns: string[] }[];
  /** The public DNS's NS answers; a name without one is NXDOMAIN. */
  dns: Record<string, string[]>;
  arc: {
    clusters: { arn: string; name: string; endpoints: { endpoint: string; region: string }[] }[];
    panels: { arn: string; clusterArn: string; name: string }[];
    controls: { arn: string; panelArn: string; name: string }[];
    states: Record<string, "On" | "Off">;
  };
}

const zonesOf = (region: string, letters: string, ids: number[]): Zone[] =>
  [...letters].map((letter, i) => ({
    name: `${region}${letter}`,
    id: `${region.replace(/^(\w\w)-(\w)\w+-(\d)$/, "$1$2$3")}-az${ids[i]}`,
    type: "availability-zone",
  }));

const CLUSTER_ARN = "arn:aws:route53-recovery-control::418295077265:cluster/0123456789abcdef";
const PANEL_ARN = "arn:aws:route53-recovery-control::418295077265:controlpanel/fedcba9876543210";

/** An account where every check passes, for the stack of `plan`; nothing of it deployed yet. */
function healthyWorld(plan: Evaluation, endpoint: string): World {
  const zone = plan.config.dnsZoneName;
  const version = auroraVersion(plan);
  const offered = (region: string) => [
    { version, status: "available", global: true },
    { version: "17.5", status: "available", global: true },
    { version: "16.9", status: "available", global: true },
    { version: region === "us-east-1" ? "17.4" : "15.12", status: "available", global: true },
  ];
  const zones: Record<string, Zone[]> = {
    "us-east-1": zonesOf("us-east-1", "abcdef", [6, 1, 2, 4, 3, 5]),
    "us-west-2": zonesOf("us-west-2", "abcd", [2, 1, 3, 4]),
  };
  return {
    account: plan.config.allowedAccountIds[0] ?? DEV_ACCOUNT,
    lambda: Object.fromEntries(
      REGIONS.map((r) => [r, { quota: 1000, unreserved: 1000, deployed: {} }]),
    ),
    engineVersions: Object.fromEntries(REGIONS.map((r) => [r, offered(r)])),
    zones,
    services: Object.fromEntries(
      REGIONS.map((r) => [
        r,
        Object.fromEntries(servicesIn(plan, r).map((s) => [s, zones[r].map((z) => z.name)])),
      ]),
    ),
    backup: Object.fromEntries(
      REGIONS.map((r) => [r, { management: { DynamoDB: true }, optIn: { Aurora: true } }]),
    ),
    hostedZones: [
      {
        id: "Z0844461AB3EXAMPLE",
        name: `${zone}.`,
        private: false,
        comment: "payments-dr: the API's failover records and certificate validation",
        ns: NAME_SERVERS,
      },
    ],
    dns: { [zone]: [...NAME_SERVERS].reverse().map((s) => s.toUpperCase()) },
    arc: {
      clusters: [
        {
          arn: CLUSTER_ARN,
          name: arcName(plan, "cluster:Cluster"),
          endpoints: [
            { endpoint, region: "us-east-1" },
            { endpoint, region: "eu-west-1" },
          ],
        },
      ],
      panels: [
        {
          arn: PANEL_ARN,
          clusterArn: CLUSTER_ARN,
          name: arcName(plan, "controlPanel:ControlPanel"),
        },
      ],
      controls: controlNames(plan).map((name, i) => ({
        arn: `${PANEL_ARN}/routingcontrol/${i}a2b3c4d5e6f7a8b`,
        panelArn: PANEL_ARN,
        name,
      })),
      states: Object.fromEntries(
        controlNames(plan).map((_, i) => [`${PANEL_ARN}/routingcontrol/${i}a2b3c4d5e6f7a8b`, "On"]),
      ),
    },
  };
}

// ---- the stub's answers, each as the API reference gives it -------------------------------------

const xmlList = (tag: string, items: string[]) =>
  items.map((i) => `<${tag}>${i}</${tag}>`).join("");

/**
 * The query protocol's error document (STS API Reference, "Common Errors", and the RDS one:
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html), as Route 53's REST-XML
 * errors are too (Route 53 API Reference, "Errors":
 * https://docs.aws.amazon.com/Route53/latest/APIReference/CommonErrors.html).
 */
const xmlError = (status: number, code: string, message: string, ns: string): StubAnswer => ({
  status,
  xml: `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>a1b2c3d4-0000-4000-8000-000000000001</RequestId></ErrorResponse>`,
});

/**
 * EC2's error document: Response/Errors/Error with Code and Message, and RequestID (EC2 API
 * Reference, "Error codes for the Amazon EC2 API":
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
const ec2Error = (status: number, code: string, message: string): StubAnswer => ({
  status,
  xml: `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>a1b2c3d4-0000-4000-8000-000000000002</RequestID></Response>`,
});

const ROUTE53_NS = "https://route53.amazonaws.com/doc/2013-04-01/";

function awsRoutes(world: () => World): Record<string, StubRoute> {
  return {
    /**
     * STS API Reference, GetCallerIdentity, "Examples" (GetCallerIdentityResult: Arn, UserId,
     * Account): https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html.
     */
    "Query.GetCallerIdentity": () => ({
      xml: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${world().account}:assumed-role/operator/preflight</Arn><UserId>AROAEXAMPLE:preflight</UserId><Account>${world().account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    }),
    /**
     * Lambda API Reference, GetAccountSettings, "Response Syntax" (AccountLimit, AccountUsage):
     * https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html.
     */
    "GET /2016-08-19/account-settings": (_body: unknown, request: { region: string }) => {
      const { quota, unreserved, deployed } = world().lambda[request.region];
      return {
        body: {
          AccountLimit: {
            CodeSizeUnzipped: 262_144_000,
            CodeSizeZipped: 52_428_800,
            ConcurrentExecutions: quota,
            TotalCodeSize: 80_530_636_800,
            UnreservedConcurrentExecutions: unreserved,
          },
          AccountUsage: { FunctionCount: Object.keys(deployed).length, TotalCodeSize: 0 },
        },
      };
    },
    /**
     * Lambda API Reference, GetFunctionConcurrency, "Response Syntax" (ReservedConcurrentExecutions)
     * and "Errors" (ResourceNotFoundException, 404):
     * https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConcurrency.html.
     */
    "GET /2019-09-30/functions/{FunctionName}/concurrency": (
      _body: unknown,
      request: { region: string; params: Record<string, string> },
    ) => {
      const reserved = world().lambda[request.region].deployed[request.params.FunctionName];
      return reserved === undefined
        ? {
            status: 404,
            error: "ResourceNotFoundException",
            message: `Function not found: arn:aws:lambda:${request.region}:${world().account}:function:${request.params.FunctionName}`,
          }
        : { body: reserved === 0 ? {} : { ReservedConcurrentExecutions: reserved } };
    },
    /**
     * RDS API Reference, DescribeDBEngineVersions, "Response Elements" (DBEngineVersions of
     * DBEngineVersion: Engine, EngineVersion, Status, SupportsGlobalDatabases…; Marker):
     * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBEngineVersions.html.
     */
    "Query.DescribeDBEngineVersions": (
      body: Record<string, unknown>,
      request: { region: string },
    ) => {
      const versions = world().engineVersions[request.region].filter(
        (v) => body.EngineVersion === undefined || v.version === body.EngineVersion,
      );
      const items = versions.map(
        (v) =>
          `<DBEngineVersion><Engine>aurora-postgresql</Engine><EngineVersion>${v.version}</EngineVersion><DBParameterGroupFamily>aurora-postgresql${v.version.split(".")[0]}</DBParameterGroupFamily><Status>${v.status}</Status><SupportsGlobalDatabases>${v.global}</SupportsGlobalDatabases></DBEngineVersion>`,
      );
      return {
        xml: `<DescribeDBEngineVersionsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBEngineVersionsResult><DBEngineVersions>${items.join("")}</DBEngineVersions></DescribeDBEngineVersionsResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeDBEngineVersionsResponse>`,
      };
    },
    /**
     * RDS API Reference, DescribeGlobalClusters, "Response Elements" (GlobalClusters of
     * GlobalCluster: GlobalClusterIdentifier, Engine, EngineVersion…) and "Errors"
     * (GlobalClusterNotFoundFault, HTTP 404):
     * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html.
     */
    "Query.DescribeGlobalClusters": (body: Record<string, unknown>) => {
      const version = world().globalClusterVersion;
      return version === undefined
        ? {
            status: 404,
            xml: `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>GlobalClusterNotFoundFault</Code><Message>GlobalCluster ${String(body.GlobalClusterIdentifier)} not found.</Message></Error><RequestId>r-3</RequestId></ErrorResponse>`,
          }
        : {
            xml: `<DescribeGlobalClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeGlobalClustersResult><GlobalClusters><GlobalClusterMember><GlobalClusterIdentifier>${String(body.GlobalClusterIdentifier)}</GlobalClusterIdentifier><Engine>aurora-postgresql</Engine><EngineVersion>${version}</EngineVersion><Status>available</Status></GlobalClusterMember></GlobalClusters></DescribeGlobalClustersResult><ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata></DescribeGlobalClustersResponse>`,
          };
    },
    /**
     * EC2 API Reference, DescribeAvailabilityZones, "Response Elements" and "Examples"
     * (availabilityZoneInfo items: zoneName, zoneState, regionName, zoneId, zoneType, optInStatus):
     * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html.
     * AWS does not promise an order: the stub lists them out of order.
     */
    "Query.DescribeAvailabilityZones": (_body: unknown, request: { region: string }) => {
      const zones = [...world().zones[request.region]].reverse();
      const items = zones.map(
        (z) =>
          `<item><zoneName>${z.name}</zoneName><zoneState>available</zoneState><regionName>${request.region}</regionName><zoneId>${z.id}</zoneId><zoneType>${z.type}</zoneType><optInStatus>${z.type === "availability-zone" ? "opt-in-not-required" : "opted-in"}</optInStatus><groupName>${request.region}</groupName><networkBorderGroup>${request.region}</networkBorderGroup><messageSet/></item>`,
      );
      return {
        xml: `<DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><availabilityZoneInfo>${items.join("")}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`,
      };
    },
    /**
     * EC2 API Reference, DescribeVpcEndpointServices, "Response Elements" (serviceNameSet,
     * serviceDetailSet of ServiceDetail: serviceName, serviceType, availabilityZoneSet, owner…; the
     * `service-name` filter): https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpointServices.html.
     */
    "Query.DescribeVpcEndpointServices": (
      body: Record<string, unknown>,
      request: { region: string },
    ) => {
      const wanted = Object.entries(body)
        .filter(([key]) => /^Filter\.1\.Value\.\d+$/.test(key))
        .map(([, value]) => String(value));
      const offered = Object.entries(world().services[request.region]).filter(([name]) =>
        wanted.includes(name),
      );
      const items = offered.map(
        ([name, zones]) =>
          `<item><serviceName>${name}</serviceName><serviceId>vpce-svc-0123456789abcdef0</serviceId><serviceType><item><serviceType>Interface</serviceType></item></serviceType><availabilityZoneSet>${xmlList("item", zones)}</availabilityZoneSet><owner>amazon</owner><baseEndpointDnsNameSet><item>${name.split(".").pop() ?? ""}.${request.region}.vpce.amazonaws.com</item></baseEndpointDnsNameSet><vpcEndpointPolicySupported>true</vpcEndpointPolicySupported><acceptanceRequired>false</acceptanceRequired><managesVpcEndpoints>false</managesVpcEndpoints></item>`,
      );
      return {
        xml: `<DescribeVpcEndpointServicesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-3</requestId><serviceNameSet>${xmlList(
          "item",
          offered.map(([n]) => n),
        )}</serviceNameSet><serviceDetailSet>${items.join("")}</serviceDetailSet></DescribeVpcEndpointServicesResponse>`,
      };
    },
    /**
     * AWS Backup API Reference, DescribeRegionSettings, "Response Syntax"
     * (ResourceTypeManagementPreference, ResourceTypeOptInPreference):
     * https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html.
     */
    "GET /account-settings": (_body: unknown, request: { region: string }) => {
      const { management, optIn } = world().backup[request.region];
      return {
        body: {
          ResourceTypeManagementPreference: { EFS: true, ...management },
          ResourceTypeOptInPreference: { DynamoDB: true, S3: true, RDS: true, ...optIn },
        },
      };
    },
    /**
     * Route 53 API Reference, ListHostedZonesByName, "Response Syntax" (HostedZones from DNSName
     * on, sorted by name; each Id, Name with its final dot, CallerReference, Config):
     * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html.
     */
    "GET /2013-04-01/hostedzonesbyname": (_body: unknown, request: { query: URLSearchParams }) => {
      const from = `${String(request.query.get("dnsname")).replace(/\.$/, "")}.`;
      const zones = world()
        .hostedZones.filter((z) => z.name >= from)
        .sort((a, b) => a.name.localeCompare(b.name));
      return {
        xml: `<?xml version="1.0" encoding="UTF-8"?><ListHostedZonesByNameResponse xmlns="${ROUTE53_NS}"><HostedZones>${zones.map(hostedZoneXml).join("")}</HostedZones><DNSName>${from}</DNSName><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesByNameResponse>`,
      };
    },
    /**
     * Route 53 API Reference, GetHostedZone, "Response Syntax" (HostedZone, DelegationSet with
     * NameServers) and "Errors" (NoSuchHostedZone, 404):
     * https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html.
     */
    "GET /2013-04-01/hostedzone/{Id}": (
      _body: unknown,
      request: { params: Record<string, string> },
    ) => {
      const zone = world().hostedZones.find((z) => z.id === request.params.Id);
      if (zone === undefined) {
        return xmlError(
          404,
          "NoSuchHostedZone",
          `No hosted zone found with ID: ${request.params.Id}`,
          ROUTE53_NS,
        );
      }
      return {
        xml: `<?xml version="1.0" encoding="UTF-8"?><GetHostedZoneResponse xmlns="${ROUTE53_NS}">${hostedZoneXml(zone)}<DelegationSet><NameServers>${xmlList("NameServer", zone.ns)}</NameServers></DelegationSet></GetHostedZoneResponse>`,
      };
    },
    /**
     * Recovery Control Config API Reference, ListClusters (Clusters: ClusterArn, ClusterEndpoints
     * of Endpoint and Region, Name, Status, Owner; NextToken):
     * https://docs.aws.amazon.com/recovery-cluster/latest/api/cluster.html.
     */
    "GET /cluster": () => ({
      body: {
        Clusters: world().arc.clusters.map((c) => ({
          ClusterArn: c.arn,
          ClusterEndpoints: c.endpoints.map((e) => ({ Endpoint: e.endpoint, Region: e.region })),
          Name: c.name,
          Status: "DEPLOYED",
          Owner: PROD_ACCOUNT,
        })),
      },
    }),
    /**
     * Recovery Control Config API Reference, ListControlPanels (ControlPanels: ClusterArn,
     * ControlPanelArn, DefaultControlPanel, Name, RoutingControlCount, Status):
     * https://docs.aws.amazon.com/recovery-cluster/latest/api/controlpanels.html.
     */
    "GET /controlpanels": (_body: unknown, request: { query: URLSearchParams }) => ({
      body: {
        ControlPanels: world()
          .arc.panels.filter((p) => p.clusterArn === request.query.get("ClusterArn"))
          .map((p) => ({
            ClusterArn: p.clusterArn,
            ControlPanelArn: p.arn,
            DefaultControlPanel: false,
            Name: p.name,
            RoutingControlCount: 2,
            Status: "DEPLOYED",
          })),
      },
    }),
    /**
     * Recovery Control Config API Reference, ListRoutingControls (RoutingControls: ControlPanelArn,
     * Name, RoutingControlArn, Status):
     * https://docs.aws.amazon.com/recovery-cluster/latest/api/controlpanel-controlpanelarn-routingcontrols.html.
     */
    "GET /controlpanel/{ControlPanelArn}/routingcontrols": (
      _body: unknown,
      request: { params: Record<string, string> },
    ) => ({
      body: {
        RoutingControls: world()
          .arc.controls.filter((c) => c.panelArn === request.params.ControlPanelArn)
          .map((c) => ({
            ControlPanelArn: c.panelArn,
            Name: c.name,
            RoutingControlArn: c.arn,
            Status: "DEPLOYED",
          })),
      },
    }),
    /**
     * Routing Control API Reference, GetRoutingControlState, "Response Syntax"
     * (RoutingControlArn, RoutingControlState On|Off, RoutingControlName):
     * https://docs.aws.amazon.com/routing-control/latest/APIReference/API_GetRoutingControlState.html.
     */
    "ToggleCustomerAPI.GetRoutingControlState": (body: Record<string, unknown>) => {
      const arn = String(body.RoutingControlArn);
      return {
        body: {
          RoutingControlArn: arn,
          RoutingControlState: world().arc.states[arn],
          RoutingControlName: world().arc.controls.find((c) => c.arn === arn)?.name,
        },
      };
    },
  };
}

function hostedZoneXml(zone: World["hostedZones"][number]): string {
  return `<HostedZone><Id>/hostedzone/${zone.id}</Id><Name>${zone.name}</Name><CallerReference>2026-11-30T00:00:00Z</CallerReference><Config><Comment>${zone.comment}</Comment><PrivateZone>${zone.private}</PrivateZone></Config><ResourceRecordSetCount>4</ResourceRecordSetCount></HostedZone>`;
}

// ---- the tests ---------------------------------------------------------------------------------

describe("preflight", function () {
  this.timeout(60_000);
  let stub: AwsStub;
  let world: World;
  let dev: Evaluation;
  let prod: Evaluation;
  const overrides: Partial<Record<string, (body: Record<string, unknown>) => StubAnswer>> = {};

  before(async function () {
    this.timeout(120_000);
    dev = await stackPlan("dev");
    prod = await stackPlan("prod");
    const routes = awsRoutes(() => world);
    stub = await startAwsStub(
      {},
      Object.fromEntries(
        Object.entries(routes).map(([target, route]): [string, StubRoute] => [
          target,
          (body, request) => overrides[target]?.(body) ?? route(body, request),
        ]),
      ),
    );
  });

  after(async () => {
    await stub.close();
  });

  beforeEach(() => {
    for (const key of Object.keys(overrides)) {
      Reflect.deleteProperty(overrides, key);
    }
  });

  async function run(
    argv: string[],
    options: { plan?: Evaluation; root?: string } = {},
  ): Promise<{ code: number; out: string[]; err: string; calls: string[] }> {
    const aws = sdkClients({ endpoint: stub.endpoint, credentials: LOCAL_CREDENTIALS });
    const out: string[] = [];
    const err: string[] = [];
    const first = stub.calls.length;
    try {
      const code = await runPreflight(argv, {
        aws,
        resolveNs: async (name) => {
          const answer = world.dns[name] as string[] | undefined;
          if (answer === undefined) {
            throw Object.assign(new Error(`queryNs ENOTFOUND ${name}`), { code: "ENOTFOUND" });
          }
          return answer;
        },
        out: (text) => out.push(...text.split("\n")),
        err: (text) => err.push(text),
        plan: async (stack) => options.plan ?? (stack === "prod" ? prod : dev),
        ...(options.root === undefined ? {} : { root: options.root }),
      });
      return {
        code,
        out,
        err: err.join("\n"),
        calls: stub.calls.slice(first).map((c) => c.target),
      };
    } finally {
      aws.destroy();
    }
  }

  const line = (out: string[], start: string) => {
    const found = out.filter((l) => l.startsWith(start));
    assert.equal(found.length, 1, `one line starting ${start} in:\n${out.join("\n")}`);
    return found[0];
  };

  it("passes every check of a healthy account for the dev stack, region by region", async () => {
    world = healthyWorld(dev, stub.endpoint);
    const result = await run(["--stack", "dev"]);
    const [east, west] = REGIONS.map((r) => reservedIn(dev, r));
    const counts = REGIONS.map((r) => functionsIn(dev, r).length);
    const services = REGIONS.map((r) => servicesIn(dev, r).length);
    const version = auroraVersion(dev);
    assert.equal(result.err, "");
    assert.deepEqual(result.out, [
      "Preflight of stack dev (us-east-1 primary, us-west-2 secondary), read-only:",
      `✓ account ${DEV_ACCOUNT}: stack dev does not restrict accounts (allowedAccountIds is empty)`,
      `✓ us-east-1 Lambda concurrency: quota 1000 ≥ ${east + 100} (the stack reserves ${east}, Lambda keeps 100); unreserved 1000 now, ${1000 - east} after deploying (0 of the stack's ${counts[0]} reserving functions deployed)`,
      `✓ us-west-2 Lambda concurrency: quota 1000 ≥ ${west + 100} (the stack reserves ${west}, Lambda keeps 100); unreserved 1000 now, ${1000 - west} after deploying (0 of the stack's ${counts[1]} reserving functions deployed)`,
      `✓ Aurora aurora-postgresql ${version}: available with global database support in us-east-1, us-west-2; the global database is not created yet`,
      `✓ us-east-1 interface endpoints: all ${services[0]} services offered in the VPC's zones us-east-1a (use1-az6), us-east-1b (use1-az1)`,
      `✓ us-west-2 interface endpoints: all ${services[1]} services offered in the VPC's zones us-west-2a (usw2-az2), us-west-2b (usw2-az1)`,
      "✓ us-east-1 advanced DynamoDB backup (cross-Region copies of the tables' backups need it): on",
      "✓ us-east-1 AWS Backup opt-in for Aurora, DynamoDB, S3 (the backup selections name them): on",
      "✓ us-west-2 advanced DynamoDB backup (cross-Region copies of the tables' backups need it): on",
      "✓ us-west-2 AWS Backup opt-in for Aurora, DynamoDB, S3 (the backup selections name them): on",
      `✓ hosted zone dev.payments.acmepay.io (Z0844461AB3EXAMPLE): delegated, the public DNS answers its name servers ns-0.awsdns-00.com, ns-1024.awsdns-00.org, ns-1536.awsdns-00.co.uk, ns-512.awsdns-00.net`,
      "",
      "Preflight: 11 checks passed, 0 failed, 0 not applicable yet.",
    ]);
    assert.equal(result.code, 0);
    // Read-only: REST calls are GETs, the others' actions Get, List or Describe.
    for (const target of result.calls) {
      const rest = /^([A-Z]+) /.exec(target)?.[1];
      if (rest !== undefined) {
        assert.equal(rest, "GET", target);
      } else {
        assert.match(target.split(".").pop() ?? "", /^(Get|List|Describe)[A-Z]/, target);
      }
    }
    assert.equal(
      result.calls.filter((c) => c.startsWith("GET /2019-09-30/functions/")).length,
      counts[0] + counts[1],
    );
  });

  it("takes the deployed functions' own reservations into account", async () => {
    world = healthyWorld(dev, stub.endpoint);
    const west = reservedIn(dev, "us-west-2");
    const functions = functionsIn(dev, "us-west-2");
    // The stack is deployed in us-west-2, and another function reserves 700 there.
    world.lambda["us-west-2"] = {
      quota: 1000,
      unreserved: 1000 - 700 - west,
      deployed: Object.fromEntries(functions.map((f) => [f.name, f.reserved])),
    };
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✓ us-west-2 Lambda concurrency"),
      `✓ us-west-2 Lambda concurrency: quota 1000 ≥ ${west + 100} (the stack reserves ${west}, Lambda keeps 100); unreserved ${300 - west} now, ${300 - west} after deploying (${functions.length} of the stack's ${functions.length} reserving functions deployed)`,
    );
    assert.equal(result.code, 0);
  });

  it("fails a region whose concurrency quota cannot hold the reservations and the 100 Lambda keeps", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.lambda["us-west-2"] = { quota: 50, unreserved: 50, deployed: {} };
    const west = reservedIn(dev, "us-west-2");
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ us-west-2 Lambda concurrency"),
      `✗ us-west-2 Lambda concurrency: the account's quota is 50; the stack reserves ${west} and Lambda keeps 100 unreserved, ${west + 100} in all — fix: request a Service Quotas increase of Lambda "Concurrent executions" (L-B99A9384) in us-west-2 to at least ${west + 100} (aws service-quotas request-service-quota-increase --region us-west-2 --service-code lambda --quota-code L-B99A9384 --desired-value ${west + 100}), or lower the *ReservedConcurrency keys of the stack`,
    );
    assert.match(line(result.out, "✓ us-east-1 Lambda concurrency"), /^✓ /);
    assert.equal(result.out.at(-1), "Preflight: 10 checks passed, 1 failed, 0 not applicable yet.");
    assert.equal(result.code, 1);
  });

  it("fails a region where other functions leave less than the stack's reservations and 100", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.lambda["us-east-1"] = { quota: 1000, unreserved: 120, deployed: {} };
    const east = reservedIn(dev, "us-east-1");
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ us-east-1 Lambda concurrency"),
      `✗ us-east-1 Lambda concurrency: quota 1000 ≥ ${east + 100}, but other functions reserve 880: after deploying, ${120 - east} would stay unreserved, under the 100 Lambda keeps (0 of the stack's ${functionsIn(dev, "us-east-1").length} reserving functions deployed) — fix: free ${east - 20} reserved executions of other functions in us-east-1, request a Service Quotas increase of Lambda "Concurrent executions" (L-B99A9384) in us-east-1 to at least ${1000 + east - 20} (aws service-quotas request-service-quota-increase --region us-east-1 --service-code lambda --quota-code L-B99A9384 --desired-value ${1000 + east - 20}), or lower the *ReservedConcurrency keys of the stack`,
    );
    assert.equal(result.code, 1);
  });

  it("after deployment, fails when AWS has upgraded the global database past the stack's version, and passes a raised one", async () => {
    world = healthyWorld(dev, stub.endpoint);
    const version = auroraVersion(dev);
    world.globalClusterVersion = "17.10";
    let result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ Aurora"),
      `✗ Aurora aurora-postgresql ${version}: the global database runs 17.10, newer than the stack's ${version} — fix: set auroraEngineVersion to 17.10 (AWS upgraded it); a pulumi up with ${version} would try to move it back, which RDS refuses`,
    );
    assert.equal(result.code, 1);
    world.globalClusterVersion = "17.7";
    result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✓ Aurora"),
      `✓ Aurora aurora-postgresql ${version}: available with global database support in us-east-1, us-west-2; pulumi up upgrades the global database from 17.7 in place`,
    );
  });

  it("fails an Aurora version one region lacks, naming the versions both offer for global databases", async () => {
    world = healthyWorld(dev, stub.endpoint);
    const version = auroraVersion(dev);
    world.engineVersions["us-east-1"][0].global = false;
    world.engineVersions["us-west-2"] = world.engineVersions["us-west-2"].filter(
      (v) => v.version !== version,
    );
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ Aurora"),
      `✗ Aurora aurora-postgresql ${version}: no global database support in us-east-1; not offered in us-west-2 — fix: set auroraEngineVersion to a version both regions offer with global database support, newest first: 17.5, 16.9`,
    );
    assert.equal(result.code, 1);
  });

  it("fails an endpoint service none of the VPC's zones offer, and notes one some zones lack", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.services["us-east-1"]["com.amazonaws.us-east-1.rds-data"] = ["us-east-1a", "us-east-1c"];
    world.services["us-east-1"]["com.amazonaws.us-east-1.states"] = ["us-east-1d"];
    Reflect.deleteProperty(world.services["us-east-1"], "com.amazonaws.us-east-1.ssm");
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ us-east-1 interface endpoints"),
      "✗ us-east-1 interface endpoints: in the VPC's zones us-east-1a (use1-az6), us-east-1b (use1-az1), states is offered only in us-east-1d; ssm is not offered in us-east-1 — fix: an endpoint needs at least one of the VPC's zones to offer its service: choose another region",
    );
    assert.match(line(result.out, "✓ us-west-2 interface endpoints"), /^✓ /);
    assert.equal(result.code, 1);
  });

  it("passes a service some zones lack: the program places each endpoint in the zones that offer it", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.services["us-east-1"]["com.amazonaws.us-east-1.rds-data"] = ["us-east-1a", "us-east-1c"];
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✓ us-east-1 interface endpoints"),
      `✓ us-east-1 interface endpoints: all ${servicesIn(dev, "us-east-1").length} services offered in the VPC's zones us-east-1a (use1-az6), us-east-1b (use1-az1); the endpoints skip the zones without theirs (rds-data not in us-east-1b)`,
    );
    assert.equal(result.code, 0);
  });

  it("takes the zones the way awsx does, and fails when an opted-in Local Zone sorts first", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.zones["us-west-2"].push({
      name: "us-west-2-lax-1a",
      id: "usw2-lax1-az1",
      type: "local-zone",
    });
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ us-west-2 interface endpoints"),
      "✗ us-west-2 interface endpoints: the VPC would take us-west-2-lax-1a (usw2-lax1-az1, local-zone), which is not an Availability Zone (the first 2 zones the account lists, by name) — fix: opt the account out of that zone group in us-west-2 (EC2 ModifyAvailabilityZoneGroup), or choose another region: the ledger's subnet group and the endpoints need Availability Zones",
    );
    assert.equal(result.code, 1);
  });

  describe("AWS Backup settings", () => {
    const REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings";
    /** The dev plan without AWS Backup settings of its own, or with these in us-west-2. */
    function backupSettings(settings?: {
      management: Record<string, boolean>;
      optIn: Record<string, boolean>;
    }): Evaluation {
      const resources = dev.resources.filter((r) => r.type !== REGION_SETTINGS);
      if (settings === undefined) {
        return { ...dev, resources };
      }
      const [vault] = ofType(dev, "aws:backup/vault:Vault", "us-west-2");
      const managed = {
        ...vault,
        type: REGION_SETTINGS,
        urn: vault.urn.replace("aws:backup/vault:Vault", REGION_SETTINGS),
        rawInputs: {
          resourceTypeManagementPreference: settings.management,
          resourceTypeOptInPreference: settings.optIn,
        },
      };
      return { ...dev, resources: [...resources, managed] };
    }

    beforeEach(() => {
      world = healthyWorld(dev, stub.endpoint);
      world.backup["us-west-2"] = {
        management: { DynamoDB: false },
        optIn: { Aurora: false, S3: false },
      };
    });

    it("fails those the backups need, with where to turn them on", async () => {
      const result = await run(["--stack", "dev"], { plan: backupSettings() });
      assert.deepEqual(
        result.out.filter((l) => l.startsWith("✗")),
        [
          "✗ us-west-2 advanced DynamoDB backup (cross-Region copies of the tables' backups need it): off — fix: turn on advanced features for DynamoDB backups in the AWS Backup console's Settings in us-west-2 (account-wide for the region), or: aws backup update-region-settings --region us-west-2 --resource-type-management-preference DynamoDB=true",
          "✗ us-west-2 AWS Backup opt-in for Aurora, DynamoDB, S3 (the backup selections name them): off for Aurora, S3, whose backups AWS Backup may skip — fix: opt in to Aurora, S3 in the AWS Backup console's Settings in us-west-2 (account-wide for the region), under Service opt-in",
        ],
      );
      assert.equal(result.code, 1);
    });

    it("notes those the stack's own region settings turn on at pulumi up", async () => {
      const plan = backupSettings({
        management: { DynamoDB: true },
        optIn: { Aurora: true, DynamoDB: true, S3: true },
      });
      const result = await run(["--stack", "dev"], { plan });
      assert.deepEqual(
        result.out.filter((l) => l.startsWith("✓ us-west-2 a") || l.startsWith("✓ us-west-2 A")),
        [
          "✓ us-west-2 advanced DynamoDB backup (cross-Region copies of the tables' backups need it): off; the stack's aws.backup.RegionSettings turns it on at pulumi up",
          "✓ us-west-2 AWS Backup opt-in for Aurora, DynamoDB, S3 (the backup selections name them): off for Aurora, S3; the stack's aws.backup.RegionSettings turns it on at pulumi up",
        ],
      );
      assert.equal(result.code, 0);
    });
  });

  it("a hosted zone the stack creates is not applicable until it exists", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.hostedZones = [{ ...world.hostedZones[0], id: "Z0PRIVATE", private: true }];
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "· hosted zone"),
      "· hosted zone dev.payments.acmepay.io: not created yet; the first pulumi up creates it, then delegate its name servers (the dns.nameServers output) in the parent zone and run the preflight again",
    );
    assert.equal(result.out.at(-1), "Preflight: 10 checks passed, 0 failed, 1 not applicable yet.");
    assert.equal(result.code, 0);
  });

  it("fails a created zone the public DNS does not delegate to, with the NS records to set", async () => {
    world = healthyWorld(dev, stub.endpoint);
    world.dns = {};
    const result = await run(["--stack", "dev"]);
    assert.equal(
      line(result.out, "✗ hosted zone"),
      "✗ hosted zone dev.payments.acmepay.io (Z0844461AB3EXAMPLE): not delegated to this zone; the public DNS answers no NS records (ENOTFOUND), the zone's name servers are ns-0.awsdns-00.com, ns-1024.awsdns-00.org, ns-1536.awsdns-00.co.uk, ns-512.awsdns-00.net — fix: in the parent zone of dev.payments.acmepay.io, set the NS records of dev.payments.acmepay.io to ns-0.awsdns-00.com, ns-1024.awsdns-00.org, ns-1536.awsdns-00.co.uk, ns-512.awsdns-00.net, then run the preflight again once resolvers see them",
    );
    assert.equal(result.code, 1);
  });

  describe("with hostedZoneId", () => {
    const given = (id: string): Evaluation => ({
      ...dev,
      config: { ...dev.config, hostedZoneId: id },
    });

    it("checks the given zone's name and delegation", async () => {
      world = healthyWorld(dev, stub.endpoint);
      world.dns["dev.payments.acmepay.io"] = ["ns-9.awsdns-01.com"];
      const result = await run(["--stack", "dev"], { plan: given("Z0844461AB3EXAMPLE") });
      assert.equal(
        line(result.out, "✗ hosted zone"),
        "✗ hosted zone dev.payments.acmepay.io (Z0844461AB3EXAMPLE, hostedZoneId): not delegated to this zone; the public DNS answers ns-9.awsdns-01.com, the zone's name servers are ns-0.awsdns-00.com, ns-1024.awsdns-00.org, ns-1536.awsdns-00.co.uk, ns-512.awsdns-00.net — fix: in the parent zone of dev.payments.acmepay.io, set the NS records of dev.payments.acmepay.io to ns-0.awsdns-00.com, ns-1024.awsdns-00.org, ns-1536.awsdns-00.co.uk, ns-512.awsdns-00.net, then run the preflight again once resolvers see them",
      );
      assert.deepEqual(
        result.calls.filter((c) => c.includes("hostedzone")),
        ["GET /2013-04-01/hostedzone/Z0844461AB3EXAMPLE"],
      );
    });

    it("fails an id that is no zone of the account", async () => {
      world = healthyWorld(dev, stub.endpoint);
      const result = await run(["--stack", "dev"], { plan: given("Z0NOSUCHZONE") });
      assert.equal(
        line(result.out, "✗ hosted zone"),
        "✗ hosted zone dev.payments.acmepay.io: hostedZoneId Z0NOSUCHZONE is not a hosted zone of this account — fix: set hostedZoneId to the id of the public zone of dev.payments.acmepay.io (aws route53 list-hosted-zones-by-name --dns-name dev.payments.acmepay.io), or unset it to let the stack create the zone",
      );
      assert.equal(result.code, 1);
    });
  });

  describe("prod (ARC routing controls, an allowed account)", () => {
    it("fails other credentials' account and stops there", async () => {
      world = { ...healthyWorld(prod, stub.endpoint), account: DEV_ACCOUNT };
      const result = await run(["--stack", "prod"]);
      assert.deepEqual(result.out, [
        "Preflight of stack prod (us-east-1 primary, us-west-2 secondary), read-only:",
        `✗ account ${DEV_ACCOUNT}: not in allowedAccountIds (${PROD_ACCOUNT}); the providers would refuse it — fix: use credentials of account ${PROD_ACCOUNT} (AWS_PROFILE=<its profile>), or add ${DEV_ACCOUNT} to allowedAccountIds in Pulumi.prod.yaml if the stack may deploy there`,
        "",
        `The other checks were not run: they would describe account ${DEV_ACCOUNT}.`,
      ]);
      assert.deepEqual(result.calls, ["Query.GetCallerIdentity"]);
      assert.equal(result.code, 1);
    });

    it("ARC is not applicable before the controls exist", async () => {
      world = healthyWorld(prod, stub.endpoint);
      world.arc.controls = [];
      const result = await run(["--stack", "prod"]);
      assert.equal(
        line(result.out, "· ARC"),
        `· ARC routing controls: ${controlNames(prod).join(", ")} not created yet; after the first pulumi up, turn the routing controls On (docs/failover.md, "ARC routing controls") and run the preflight again`,
      );
      assert.equal(
        line(result.out, `✓ account`),
        `✓ account ${PROD_ACCOUNT}: one of allowedAccountIds`,
      );
      assert.equal(result.code, 0);
    });

    it("fails a routing control that is Off, with the command that turns it On", async () => {
      world = healthyWorld(prod, stub.endpoint);
      const [primary, secondary] = world.arc.controls;
      world.arc.states[secondary.arn] = "Off";
      const result = await run(["--stack", "prod"]);
      assert.equal(
        line(result.out, "✗ ARC"),
        `✗ ARC routing controls: ${primary.name} On, ${secondary.name} Off; traffic cannot fail over to a region whose control is Off — fix: unless a failover runbook turned it Off on purpose (then fail back with the runbook), turn it On: aws route53-recovery-cluster update-routing-control-states --region us-east-1 --endpoint-url ${stub.endpoint} --update-routing-control-state-entries RoutingControlArn=${secondary.arn},RoutingControlState=On (another of the cluster's endpoints if this one does not answer)`,
      );
      assert.equal(result.code, 1);
    });

    it("tries the cluster's endpoints in turn until one answers", async () => {
      // The first endpoint is down: it takes each connection and drops it.
      let attempts = 0;
      const down = http.createServer((request) => {
        attempts += 1;
        request.socket.destroy();
      });
      const downEndpoint = await listen(down);
      try {
        world = healthyWorld(prod, stub.endpoint);
        world.arc.clusters[0].endpoints.unshift({
          endpoint: downEndpoint,
          region: "ap-southeast-2",
        });
        const result = await run(["--stack", "prod"]);
        assert.equal(
          line(result.out, "✓ ARC"),
          `✓ ARC routing controls: ${controlNames(prod)
            .map((n) => `${n} On`)
            .join(", ")}`,
        );
        assert.ok(attempts > 0, "the first endpoint was tried");
        assert.equal(
          result.calls.filter((c) => c === "ToggleCustomerAPI.GetRoutingControlState").length,
          controlNames(prod).length,
        );
        assert.equal(
          result.out.at(-1),
          "Preflight: 12 checks passed, 0 failed, 0 not applicable yet.",
        );
        assert.equal(result.code, 0);
      } finally {
        await close(down);
      }
    });
  });

  it("reports an AWS call that fails as its check's failure, with the error's name and message", async () => {
    world = healthyWorld(dev, stub.endpoint);
    overrides["Query.DescribeAvailabilityZones"] = () =>
      ec2Error(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
    const result = await run(["--stack", "dev"]);
    assert.deepEqual(
      result.out.filter((l) => l.startsWith("✗")),
      ["us-east-1", "us-west-2"].map(
        (region) =>
          `✗ ${region} interface endpoints: ec2:DescribeAvailabilityZones failed: UnauthorizedOperation: You are not authorized to perform this operation. — fix: the preflight's calls must succeed with these credentials (it only reads; this one needs ec2:DescribeAvailabilityZones)`,
      ),
    );
    assert.equal(result.out.join("\n").includes("    at "), false, "no stack trace");
    assert.equal(result.code, 1);
  });

  it("stops when the credentials do not work", async () => {
    world = healthyWorld(dev, stub.endpoint);
    overrides["Query.GetCallerIdentity"] = () =>
      xmlError(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        "https://sts.amazonaws.com/doc/2011-06-15/",
      );
    const result = await run(["--stack", "dev"]);
    assert.deepEqual(result.out.slice(1), [
      "✗ account: sts:GetCallerIdentity failed: InvalidClientTokenId: The security token included in the request is invalid. — fix: give the SDK working credentials of the target account (AWS_PROFILE=<profile>, or a role's short-lived keys), with STS reachable, and run again",
      "",
      "The other checks need the account's answers; they were not run.",
    ]);
    assert.equal(result.code, 1);
  });

  describe("bad usage or configuration exits 2 without calling AWS", () => {
    const usage = "usage: npm run preflight -- --stack <stack>";
    for (const [argv, message] of [
      [[], "error: --stack is required; stacks: dev, prod"],
      [["--stack", "staging"], 'error: --stack "staging" is not a stack; stacks: dev, prod'],
      [["--stack", "dev", "--region", "us-east-1"], "error: Unknown option '--region'"],
    ] as const) {
      it(`${argv.join(" ") || "no arguments"}`, async () => {
        world = healthyWorld(dev, stub.endpoint);
        const result = await run([...argv]);
        assert.equal(result.code, 2);
        assert.deepEqual(result.out, []);
        assert.ok(result.err.startsWith(message), result.err);
        assert.ok(result.err.includes(usage), result.err);
        assert.deepEqual(result.calls, []);
      });
    }

    it("a bad stack configuration gives the ConfigError message", async () => {
      await withDevStackVariant(
        "payments-dr:namePrefix: acmepay",
        "payments-dr:namePrefix: Acme",
        async (root) => {
          const result = await run(["--stack", "dev"], { root });
          assert.equal(result.code, 2);
          assert.equal(
            result.err,
            'error: Invalid configuration for stack "dev":\n  - payments-dr:namePrefix = "Acme": must be 2–10 lowercase letters or digits starting with a letter (it prefixes every physical name)',
          );
          assert.deepEqual(result.calls, []);
        },
      );
    });

    it("--help prints the usage and exits 0", async () => {
      const result = await run(["--help"]);
      assert.equal(result.code, 0);
      assert.ok(result.out[0].startsWith(usage), result.out[0]);
      assert.deepEqual(result.calls, []);
    });
  });

  it("the CLI reads the account through the SDK's AWS_ENDPOINT_URL and exits with the checks' code", async () => {
    world = healthyWorld(prod, stub.endpoint);
    world.hostedZones = [];
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")),
    );
    const first = stub.calls.length;
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["-r", "./tools/register.js", "tools/preflight.ts", "--stack", "prod"],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: {
            ...env,
            AWS_ENDPOINT_URL: stub.endpoint,
            AWS_ACCESS_KEY_ID: "local",
            AWS_SECRET_ACCESS_KEY: "local",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_CONFIG_FILE: path.join(ROOT, "no-such-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(ROOT, "no-such-aws-credentials"),
          },
        },
        (_error, out, errors) => resolve({ code: child.exitCode, stdout: out, stderr: errors }),
      );
    });
    assert.equal(stderr, "");
    const out = stdout.trimEnd().split("\n");
    assert.equal(line(out, "✓ account"), `✓ account ${PROD_ACCOUNT}: one of allowedAccountIds`);
    assert.match(line(out, "✓ ARC"), /^✓ ARC routing controls: .* On, .* On$/);
    assert.match(
      line(out, "· hosted zone"),
      /^· hosted zone payments\.acmepay\.io: not created yet/,
    );
    assert.equal(out.at(-1), "Preflight: 11 checks passed, 0 failed, 1 not applicable yet.");
    assert.equal(code, 0);
    // Every service was reached through the one endpoint variable, ARC's old client included.
    const targets = new Set(stub.calls.slice(first).map((c) => c.target.split("?")[0]));
    for (const target of [
      "Query.GetCallerIdentity",
      "GET /2016-08-19/account-settings",
      "Query.DescribeDBEngineVersions",
      "Query.DescribeVpcEndpointServices",
      "GET /account-settings",
      "GET /2013-04-01/hostedzonesbyname",
      "GET /cluster",
      "ToggleCustomerAPI.GetRoutingControlState",
    ]) {
      assert.ok(targets.has(target), `${target} in ${[...targets].join(", ")}`);
    }
  });
});
