/**
 * The payments-dr CrossGuard policy pack:
 *   pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("payments-dr", { policies: POLICIES });
