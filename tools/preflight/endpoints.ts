/** Check 4: every interface endpoint service is offered in the zones the VPC takes. */
import {
  DescribeAvailabilityZonesCommand,
  DescribeVpcEndpointServicesCommand,
  type ServiceDetail,
} from "@aws-sdk/client-ec2";
import type { PreflightAws } from "./aws";
import type { RegionRequirements } from "./requirements";
import { call, type CheckResult, fail, guarded, list, pass, skip } from "./result";

interface Zone {
  readonly name: string;
  readonly id: string;
  readonly type: string;
}

/**
 * The zones the VPC takes. awsx.ec2.Vpc takes the first `numberOfAvailabilityZones` names of
 * aws.getAvailabilityZones() (pulumi/pulumi-awsx awsx/ec2/vpc.ts at e60adf3, getDefaultAzs:
 * `result.names.slice(0, desiredCount)`), whose data source calls DescribeAvailabilityZones with no
 * filter and AllAvailabilityZones unset and sorts the zones by name (hashicorp/terraform-provider-aws
 * internal/service/ec2/ec2_availability_zones_data_source.go at 0a55e18). Without
 * AllAvailabilityZones, EC2 lists the Availability Zones and the Local and Wavelength Zones the
 * account opted in to (EC2 API Reference, DescribeAvailabilityZones:
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html), so an
 * opted-in Local Zone (`us-west-2-lax-1a` sorts before `us-west-2a`) can be taken.
 */
async function vpcZones(
  region: RegionRequirements,
  aws: PreflightAws,
): Promise<{ readonly chosen: readonly Zone[]; readonly listed: readonly Zone[] }> {
  const { AvailabilityZones = [] } = await call(
    "ec2:DescribeAvailabilityZones",
    aws.ec2(region.region).send(new DescribeAvailabilityZonesCommand({})),
  );
  const listed = AvailabilityZones.map((z) => ({
    name: z.ZoneName ?? "",
    id: z.ZoneId ?? "",
    type: z.ZoneType ?? "availability-zone",
  })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { zones } = region;
  const chosen =
    zones.kind === "named"
      ? zones.names.map(
          (name) => listed.find((z) => z.name === name) ?? { name, id: "?", type: "?" },
        )
      : listed.slice(0, zones.count);
  return { chosen, listed };
}

const zoneLabel = (zone: Zone) =>
  `${zone.name} (${zone.id}${zone.type === "availability-zone" ? "" : `, ${zone.type}`})`;

/**
 * The services' details, page by page: ServiceDetails[].AvailabilityZones are the zones a service
 * is offered in, ServiceType says Interface or Gateway (EC2 API Reference,
 * DescribeVpcEndpointServices and ServiceDetail:
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpointServices.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html). The
 * `service-name` filter lists only services that exist, where ServiceNames would fail the call for
 * one that does not.
 */
async function endpointServices(
  region: string,
  names: readonly string[],
  aws: PreflightAws,
): Promise<ServiceDetail[]> {
  const details: ServiceDetail[] = [];
  let token: string | undefined;
  do {
    const page = await call(
      "ec2:DescribeVpcEndpointServices",
      aws.ec2(region).send(
        new DescribeVpcEndpointServicesCommand({
          Filters: [{ Name: "service-name", Values: [...names] }],
          NextToken: token,
        }),
      ),
    );
    details.push(...(page.ServiceDetails ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return details;
}

/**
 * Each interface endpoint service must be offered in the VPC's zones: an endpoint placed in a
 * subnet whose zone lacks its service fails to create, "InvalidParameter: The VPC endpoint service
 * … does not support the availability zone of the subnet" (AWS Knowledge Center on interface
 * endpoints and Availability Zones:
 * https://aws.amazon.com/premiumsupport/knowledge-center/interface-endpoint-availability-zone/; the
 * error as reported in terraform-aws-modules/terraform-aws-vpc#462).
 */
export async function checkEndpointServices(
  region: RegionRequirements,
  aws: PreflightAws,
): Promise<CheckResult[]> {
  const subject = `${region.region} interface endpoints`;
  if (region.endpointServices.length === 0) {
    return [skip(`${subject}: the stack has none in ${region.region}`)];
  }
  return guarded(subject, async () => {
    const { chosen, listed } = await vpcZones(region, aws);
    if (region.zones.kind === "first" && listed.length < region.zones.count) {
      return [
        fail(
          `${subject}: the VPC takes ${region.zones.count} zones, the account lists ${listed.length} in ${region.region} (${list(listed.map(zoneLabel))})`,
          `lower availabilityZoneCount to ${listed.length}, or choose a region with ${region.zones.count} zones`,
        ),
      ];
    }
    const outside = chosen.filter((z) => z.type !== "availability-zone");
    if (outside.length > 0) {
      return [
        fail(
          `${subject}: the VPC would take ${list(outside.map(zoneLabel))}, which ${outside.length === 1 ? "is not an Availability Zone" : "are not Availability Zones"} (the first ${chosen.length} zones the account lists, by name)`,
          `opt the account out of that zone group in ${region.region} (EC2 ModifyAvailabilityZoneGroup), or choose another region: the ledger's subnet group and the endpoints need Availability Zones`,
        ),
      ];
    }
    const zones = chosen.map((z) => z.name);
    const details = await endpointServices(region.region, region.endpointServices, aws);
    const short = (service: string) => service.replace(`com.amazonaws.${region.region}.`, "");
    const missing: string[] = [];
    const partial: string[] = [];
    for (const service of region.endpointServices) {
      const offered = details
        .filter(
          (d) =>
            d.ServiceName === service &&
            (d.ServiceType ?? []).some((t) => t.ServiceType === "Interface"),
        )
        .flatMap((d) => d.AvailabilityZones ?? []);
      const without = zones.filter((z) => !offered.includes(z));
      if (without.length === zones.length) {
        missing.push(
          offered.length === 0
            ? `${short(service)} is not offered in ${region.region}`
            : `${short(service)} is offered only in ${list(offered)}`,
        );
      } else if (without.length > 0) {
        partial.push(`${short(service)} not in ${list(without)}`);
      }
    }
    const where = `the VPC's zones ${list(chosen.map(zoneLabel))}`;
    const services = `${region.endpointServices.length} services`;
    // The program places each endpoint in the zones that offer its service (components/network.ts),
    // so a zone without it is served from the others; a service in none of them cannot be reached.
    if (missing.length > 0) {
      return [
        fail(
          `${subject}: in ${where}, ${missing.join("; ")}`,
          `an endpoint needs at least one of the VPC's zones to offer its service: choose another region`,
        ),
      ];
    }
    return [
      pass(
        partial.length === 0
          ? `${subject}: all ${services} offered in ${where}`
          : `${subject}: all ${services} offered in ${where}; the endpoints skip the zones without theirs (${partial.join("; ")})`,
      ),
    ];
  });
}
