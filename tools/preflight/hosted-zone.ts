/** Check 6: the stack's hosted zone is public, named dnsZoneName and delegated. */
import {
  GetHostedZoneCommand,
  type GetHostedZoneCommandOutput,
  ListHostedZonesByNameCommand,
} from "@aws-sdk/client-route-53";
import type { PreflightAws } from "./aws";
import type { StackRequirements } from "./requirements";
import {
  AwsCallError,
  call,
  type CheckResult,
  describeError,
  fail,
  guarded,
  isNamed,
  list,
  pass,
  skip,
} from "./result";

/** Resolves a name's NS records as the public DNS answers them (node:dns by default). */
export type ResolveNs = (name: string) => Promise<string[]>;

const dnsName = (name: string) => name.toLowerCase().replace(/\.$/, "");
const zoneId = (id: string | undefined) => (id ?? "").replace(/^\/hostedzone\//, "");
const nameServers = (zone: GetHostedZoneCommandOutput | undefined) =>
  (zone?.DelegationSet?.NameServers ?? []).map(dnsName).sort();

/**
 * The zone's name servers are Route 53's delegation set (Route 53 API Reference, GetHostedZone:
 * DelegationSet.NameServers: https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html);
 * the zone is delegated when the parent zone's NS records for its name list exactly those (Route 53
 * Developer Guide, "Creating a subdomain that uses Amazon Route 53 as the DNS service without
 * migrating the parent domain":
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html), so that the
 * public DNS answers the zone's NS query with them. A resolver that
 * finds no delegation answers NXDOMAIN or no data, and one delegated to servers that do not serve
 * the zone fails (SERVFAIL): both mean "not delegated to this zone".
 */
async function delegation(
  zone: string,
  servers: readonly string[],
  resolveNs: ResolveNs,
  subject: string,
): Promise<CheckResult> {
  let answered: string[];
  let failure = "";
  try {
    answered = (await resolveNs(zone)).map(dnsName).sort();
  } catch (error) {
    answered = [];
    const code = (error as { code?: unknown }).code;
    failure = ` (${typeof code === "string" ? code : describeError(error)})`;
  }
  if (answered.length === servers.length && answered.every((s, i) => s === servers[i])) {
    return pass(`${subject}: delegated, the public DNS answers its name servers ${list(servers)}`);
  }
  return fail(
    `${subject}: not delegated to this zone; the public DNS answers ${answered.length === 0 ? `no NS records${failure}` : list(answered)}, the zone's name servers are ${list(servers)}`,
    `in the parent zone of ${zone}, set the NS records of ${zone} to ${list(servers)}, then run the preflight again once resolvers see them`,
  );
}

/**
 * The hosted zone the stack uses is public, named dnsZoneName and delegated. A zone the stack
 * creates is found by name (Route 53 API Reference, ListHostedZonesByName: zones sorted by name
 * from DNSName, each with Id, Name with its final dot, Config.PrivateZone and Config.Comment:
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html).
 */
export async function checkHostedZone(
  req: StackRequirements,
  aws: PreflightAws,
  resolveNs: ResolveNs,
): Promise<CheckResult[]> {
  const { name, id, comment } = req.hostedZone;
  const subject = `hosted zone ${name}`;
  return guarded(subject, async () => {
    if (id !== undefined) {
      let described: GetHostedZoneCommandOutput | undefined;
      try {
        described = await aws.route53().send(new GetHostedZoneCommand({ Id: id }));
      } catch (error) {
        if (!isNamed(error, "NoSuchHostedZone")) {
          throw new AwsCallError("route53:GetHostedZone", error);
        }
      }
      const zone = described?.HostedZone;
      const fix = `set hostedZoneId to the id of the public zone of ${name} (aws route53 list-hosted-zones-by-name --dns-name ${name}), or unset it to let the stack create the zone`;
      if (zone === undefined) {
        return [fail(`${subject}: hostedZoneId ${id} is not a hosted zone of this account`, fix)];
      }
      if (zone.Config?.PrivateZone === true || dnsName(zone.Name ?? "") !== dnsName(name)) {
        return [
          fail(
            `${subject}: hostedZoneId ${id} is ${zone.Config?.PrivateZone === true ? "a private zone" : "the zone"} of ${dnsName(zone.Name ?? "")}`,
            fix,
          ),
        ];
      }
      return [
        await delegation(
          name,
          nameServers(described),
          resolveNs,
          `${subject} (${id}, hostedZoneId)`,
        ),
      ];
    }
    const { HostedZones = [] } = await call(
      "route53:ListHostedZonesByName",
      aws.route53().send(new ListHostedZonesByNameCommand({ DNSName: name })),
    );
    const named = HostedZones.filter(
      (z) => dnsName(z.Name ?? "") === dnsName(name) && z.Config?.PrivateZone !== true,
    );
    const ours = named.length > 1 ? named.filter((z) => z.Config?.Comment === comment) : named;
    if (named.length === 0) {
      return [
        skip(
          `${subject}: not created yet; the first pulumi up creates it, then delegate its name servers (the dns.nameServers output) in the parent zone and run the preflight again`,
        ),
      ];
    }
    if (ours.length !== 1) {
      return [
        fail(
          `${subject}: ${named.length} public zones have this name (${list(named.map((z) => zoneId(z.Id)))}); a parent zone can delegate to one`,
          `delete the zones the stack does not manage (pulumi stack output dns shows its zoneId), or set hostedZoneId to the one to use`,
        ),
      ];
    }
    const found = zoneId(ours[0].Id);
    const described = await call(
      "route53:GetHostedZone",
      aws.route53().send(new GetHostedZoneCommand({ Id: found })),
    );
    return [await delegation(name, nameServers(described), resolveNs, `${subject} (${found})`)];
  });
}
