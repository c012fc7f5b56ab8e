/**
 * Which DNS names can be a Route 53 hosted zone. Pure, no imports: the stack configuration and
 * the policy pack apply the same rule.
 */

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 2606 / RFC 6761 / RFC 6762 names that no one can register. */
const RESERVED_TLDS = ["test", "example", "invalid", "localhost", "local"];
const RESERVED_DOMAINS = ["example.com", "example.net", "example.org"];

/** Why `name` cannot be a hosted zone (lowercase prose, no subject), or undefined when it can. */
export function dnsNameProblem(name: string): string | undefined {
  const labels = name.split(".");
  const tld = labels[labels.length - 1];
  if (name.length > 253) {
    return `is ${name.length} characters; a DNS name has at most 253`;
  }
  if (name !== name.toLowerCase()) {
    return `must be lowercase: Route 53 stores names in lowercase (write "${name.toLowerCase()}")`;
  }
  if (
    RESERVED_TLDS.includes(tld) ||
    RESERVED_DOMAINS.some((domain) => name === domain || name.endsWith(`.${domain}`))
  ) {
    return "is reserved (RFC 2606/6761) and cannot be a Route 53 hosted zone; use a domain your organisation owns";
  }
  if (labels.length < 2 || !labels.every((label) => DNS_LABEL.test(label))) {
    return "is not a DNS name: at least two labels of 1–63 lowercase letters, digits or inner hyphens (e.g. payments.acme.io)";
  }
  return undefined;
}

/** The name merchants call; Route 53 failover records send it to the healthy region. */
export function apiDomainName(zoneName: string): string {
  return `api.${zoneName}`;
}

/** One region's API, bypassing failover: what health checks probe and drills call directly. */
export function regionalApiDomainName(zoneName: string, region: string): string {
  return `${region}.${apiDomainName(zoneName)}`;
}
