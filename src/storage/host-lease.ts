/**
 * The storage lease a service holds on a host while it works on it (the investigator bootstrapping
 * it, cluster execution rebooting it): one name for every service, so each honours the others'.
 */
export function hostLeaseName(address: string): string {
  return `host:${address}`;
}
