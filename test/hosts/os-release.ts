/** /etc/os-release of each OS family a test host can be; atomic also gets /run/ostree-booted. */
export type TestOs = "fedora" | "centos" | "rhel" | "redhat" | "atomic";

export const TEST_OSES: readonly TestOs[] = ["fedora", "centos", "rhel", "redhat", "atomic"];

export function osRelease(os: TestOs): string {
  switch (os) {
    case "fedora":
      return 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\n';
    case "centos":
      return 'NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n';
    case "rhel":
      return 'NAME="Red Hat Enterprise Linux Server"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="7.9"\n';
    case "redhat":
      return 'NAME="Red Hat Enterprise Linux Server"\nID="redhat"\nVERSION_ID="7.2"\n';
    case "atomic":
      return 'NAME="Fedora"\nID=fedora\nVARIANT_ID=atomic.host\nVERSION_ID=29\n';
  }
}
