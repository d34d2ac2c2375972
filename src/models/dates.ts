/** The wire's date format: UTC, `YYYY-MM-DDTHH:MM:SS.ffffff` (microseconds, no zone suffix). */

const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

export function formatDate(date: Date): string {
  // toISOString is UTC with milliseconds and a "Z": widen to microseconds and drop the zone.
  return `${date.toISOString().slice(0, 23)}000`;
}

export function now(): string {
  return formatDate(new Date());
}

export function isDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(Date.parse(`${value.slice(0, 23)}Z`));
}
