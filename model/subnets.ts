/**
 * How the network's subnets are carved from a VPC's block, and whether awsx can carve them.
 *
 * awsx.ec2.Vpc (subnetStrategy "Auto") gives each availability zone an equal block of the VPC,
 * /(vpc prefix + ceil(log2(zones))), and throws "Subnets are too large for VPC" when a zone's
 * subnets need more addresses than its block holds (pulumi-awsx, awsx/ec2/subnetDistributorNew.ts,
 * allocateSubnetCidrBlocks: https://github.com/pulumi/pulumi-awsx/blob/master/awsx/ec2/subnetDistributorNew.ts).
 * This module holds the program's subnet sizes and that rule, so that a count awsx cannot carve is
 * a config error before anything is registered, not an exception in the middle of `pulumi up`.
 * Pure: the program and the config module share it.
 */

/** The private subnets take an eighth of the VPC; a NAT gateway's public subnet a 64th. */
const PRIVATE_EXTRA_BITS = 3;
const PUBLIC_EXTRA_BITS = 6;

export interface SubnetLayout {
  /** The prefix of each zone's block, as awsx computes it. */
  readonly zoneMask: number;
  readonly privateMask: number;
  /** Only with NAT gateways, which live in public subnets. */
  readonly publicMask?: number;
}

export function subnetLayout(vpcPrefix: number, zones: number, nat: boolean): SubnetLayout {
  return {
    zoneMask: vpcPrefix + Math.ceil(Math.log2(zones)),
    privateMask: vpcPrefix + PRIVATE_EXTRA_BITS,
    ...(nat ? { publicMask: vpcPrefix + PUBLIC_EXTRA_BITS } : {}),
  };
}

/** Why awsx cannot carve this layout, or undefined when it can. */
export function subnetLayoutProblem(layout: SubnetLayout): string | undefined {
  const size = (mask: number) => 2 ** (32 - mask);
  const needed =
    size(layout.privateMask) + (layout.publicMask === undefined ? 0 : size(layout.publicMask));
  const available = size(layout.zoneMask);
  return needed > available
    ? `each zone gets a /${layout.zoneMask} (${available} addresses), but its subnets need ${needed}`
    : undefined;
}
