/**
 * List models (Hosts, Clusters, Networks, ContainerManagerConfigs): one member holding items of
 * another model type. On the wire a list model is the bare array of its items' JSON forms
 * (MODELS.md), which `itemsJson` / `fromItems` give.
 */

import { list, member } from "./members.js";
import {
  defineModel,
  type ModelType,
  ModelValidationError,
  type ValidationIssue,
} from "./model-type.js";

export interface ListModelType<T extends object, I extends object> extends ModelType<T> {
  readonly itemModel: ModelType<I>;
  itemsJson(model: T): Record<string, unknown>[];
  fromItems(items: unknown[]): T;
}

export function defineListModel<T extends object, I extends object>(
  name: string,
  memberName: string,
  item: ModelType<I>,
): ListModelType<T, I> {
  // Issues of the items, named by their index: "Hosts.hosts[1].cpus".
  const issuesOf = (items: unknown[]): ValidationIssue[] =>
    items.flatMap((value, i) => {
      const issues = item.validate(value);
      return issues.map((issue) => ({
        ...issue,
        model: name,
        member: `${memberName}[${i}].${issue.member}`,
      }));
    });
  const base = defineModel<T>({
    name,
    primaryKey: null,
    members: [member(memberName, list, () => [])],
    rules: (data) => issuesOf(data[memberName] as unknown[]),
  });
  const itemsOf = (model: T) => ((model as Record<string, unknown>)[memberName] as I[]) ?? [];
  return {
    ...base,
    list: { member: memberName, itemType: item.name },
    itemModel: item,
    parse(data: unknown): T {
      const model = base.parse(data) as Record<string, unknown>;
      model[memberName] = (model[memberName] as unknown[]).map((x) => item.parse(x));
      return model as T;
    },
    toJson: (model) => ({ [memberName]: itemsOf(model).map((i) => item.toJson(i)) }),
    toSafeJson: (model) => ({ [memberName]: itemsOf(model).map((i) => item.toSafeJson(i)) }),
    itemsJson: (model) => itemsOf(model).map((i) => item.toJson(i)),
    fromItems(items: unknown[]): T {
      const issues = issuesOf(items);
      if (issues.length) throw new ModelValidationError(name, issues);
      return { [memberName]: items.map((x) => item.parse(x)) } as T;
    },
  };
}
