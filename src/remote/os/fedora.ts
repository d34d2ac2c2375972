/** Fedora: dnf. */
import type { CommandSet } from "../command-set.js";

export const commands: CommandSet = {
  name: "fedora",
  packageUpdate: "dnf -y update",
  packageInstall: "dnf -y install {packages}",
  serviceEnable: "systemctl enable {service}",
  serviceRestart: "systemctl restart {service}",
  reboot: "systemctl reboot",
  versionQuery: "rpm -q --queryformat '%{VERSION}-%{RELEASE}\\n' {package}",
};
