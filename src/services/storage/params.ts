/**
 * The params of the storage service's methods: the original's (`model_type_name`,
 * `model_json_data`) and our extensions (docs/wire-extensions.md), which come after them so that
 * positional callers keep working.
 */
import { z } from "zod";
import { ADDRESS_PATTERN, ADDRESS_RULE } from "../../models/index.js";
import type { LeaseGrant } from "../../storage/handler.js";

/** Leases live with Hosts: a lease call needs the Host store. */
export const LEASES = { model_type_name: "Host" };

export const leaseJson = (grant: LeaseGrant) => ({
  name: grant.name,
  holder: grant.holder,
  ttl: grant.ttlMs / 1000,
});

export const modelCall = z
  .object({ model_type_name: z.string().min(1), model_json_data: z.unknown() })
  .strict();
export type ModelCall = z.output<typeof modelCall>;

/** Read extension (docs/wire-extensions.md): served as of at least this revision (`_revision`). */
const minRevision = z
  .union([z.string().regex(/^\d+$/, "a revision is a string of digits"), z.number().int().min(0)])
  .transform(String)
  .optional();
export const getCall = modelCall.extend({ min_revision: minRevision });
export type GetCall = z.output<typeof getCall>;
export const listCall = z
  .object({ model_type_name: z.string().min(1), min_revision: minRevision })
  .strict();
export type ListCall = z.output<typeof listCall>;

// Extension params (docs/wire-extensions.md) after the original's two, for positional callers.
export const saveCall = z
  .object({
    model_type_name: z.string().min(1),
    model_json_data: z.unknown(),
    /** Only if the stored revision is this ("0": only if there is no record); a list: per item. */
    if_revision: z.union([z.string().min(1), z.array(z.string().min(1).nullable())]).optional(),
    /** A partial save: only these members change. */
    members: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type SaveCall = z.output<typeof saveCall>;

export const leaseCall = z
  .object({
    name: z.string().regex(ADDRESS_PATTERN, `lease name must be an ${ADDRESS_RULE}`),
    holder: z.string().min(1).max(253),
    ttl: z.number().min(1).max(86_400),
  })
  .strict();
export const releaseCall = leaseCall.omit({ ttl: true });
/** Any prefix of a lease name ("" lists every lease). */
export const listLeasesCall = z
  .object({
    prefix: z
      .string()
      .max(253)
      .regex(/^[A-Za-z0-9_.:-]*$/, "prefix must be the start of a lease name"),
  })
  .strict();
