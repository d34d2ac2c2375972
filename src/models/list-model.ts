/**
 * List models (Hosts, Clusters, Networks, ContainerManagerConfigs): one member holding items of
 * another model type. On the wire a list model is the bare array of its items' JSON forms
 * (MODELS.md), which `itemsJson` / `fromItems` give.
 */

import { list, withDefault } from "./members.js";
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

/** The record of a list model: its one member holding the items. */
export type ListOf<N extends string, I> = { [K in N]: I[] };

export function defineListModel<const N extends string, I extends object>(
  name: string,
  memberName: N,
  item: ModelType<I>,
): ListModelType<ListOf<N, I>, I> {
  type T = ListOf<N, I>;
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
  const base = defineModel({
    name,
    primaryKey: null,
    members: { [memberName]: withDefault(list, () => []) } as Record<
      N,
      ReturnType<typeof withDefault<unknown[]>>
    >,
    rules: (data) => issuesOf((data as Record<string, unknown[]>)[memberName] ?? []),
  });
  const itemsOf = (model: T): I[] => model[memberName] ?? [];
  return {
    ...(base as unknown as ModelType<T>),
    list: { member: memberName, itemType: item.name },
    itemModel: item,
    parse(data: unknown): T {
      const model = base.parse(data) as Record<string, unknown[]>;
      return { [memberName]: (model[memberName] ?? []).map((x) => item.parse(x)) } as T;
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
