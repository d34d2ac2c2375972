/**
 * rpm-ostree ("atomic") hosts, whatever their os-release ID: facts say atomic when
 * /run/ostree-booted exists. Updates and installs stage a new deployment, taken by a reboot.
 */
import type { CommandSet } from "../command-set.js";

export const commands: CommandSet = {
  name: "atomic",
  packageUpdate: "rpm-ostree upgrade",
  packageInstall: "rpm-ostree install {packages}",
  serviceEnable: "systemctl enable {service}",
  serviceRestart: "systemctl restart {service}",
  reboot: "systemctl reboot",
  versionQuery: "rpm -q --queryformat '%{VERSION}-%{RELEASE}\\n' {package}",
  deploy: "rpm-ostree deploy {version}",
};
