/**
 * The one name rule on REST paths (models/names.ts): `{name}` is a record name, `{address}` and
 * `{ip}` a host address; anything else is 400 naming the rule, before any store is asked.
 */
import { ADDRESS_RULE, isAddress, isName, NAME_RULE } from "../../../models/index.js";
import { HttpError } from "../http-error.js";

const shown = (value: string) =>
  JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

export function checkPathNames(params: Record<string, string>): void {
  for (const [param, value] of Object.entries(params)) {
    const address = param === "address" || param === "ip";
    if (address ? !isAddress(value) : !isName(value))
      throw new HttpError(
        400,
        `${param} ${shown(value)} is not a valid ${address ? ADDRESS_RULE : NAME_RULE}`,
      );
  }
}
