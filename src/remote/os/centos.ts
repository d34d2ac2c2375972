/** CentOS: yum. */
import type { CommandSet } from "../command-set.js";

export const commands: CommandSet = {
  name: "centos",
  packageUpdate: "yum -y update",
  packageInstall: "yum -y install {packages}",
  serviceEnable: "systemctl enable {service}",
  serviceRestart: "systemctl restart {service}",
  reboot: "systemctl reboot",
  versionQuery: "rpm -q --queryformat '%{VERSION}-%{RELEASE}\\n' {package}",
};
