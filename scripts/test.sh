#!/usr/bin/env bash
# The test command (npm test): installs what the tests need, builds, lints and runs every test.
# Integration tests start their own redis-server, RabbitMQ, etcd, Custodia and kombu peers on free loopback
# ports (Custodia on a Unix socket in a temporary directory), and sshd test hosts on 127.x.y.z
# addresses in mount namespaces of their own (test/hosts/README.md), and stop them when they
# finish, so nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v openssl >/dev/null || missing+=(openssl)
command -v custodia >/dev/null || missing+=(custodia)
# systemd-analyze verifies the units of deploy/systemd (systemd need not run as PID 1).
command -v systemd-analyze >/dev/null || missing+=(systemd)
# sshd test hosts: Debian's OpenSSH server, the plain client (benchmark baseline), ssh-keygen;
# unshare and setpriv (util-linux), useradd (passwd) for the unprivileged login user.
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v unshare >/dev/null && command -v setpriv >/dev/null || missing+=(util-linux)
command -v useradd >/dev/null || missing+=(passwd)
# RabbitMQ for the amqp:// transport (started by the tests through /usr/lib/rabbitmq/bin).
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
# kombu peers run on Debian's own interpreter, whatever python3 comes first on PATH.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import kombu, redis, amqp" 2>/dev/null || missing+=(python3 python3-kombu python3-redis python3-amqp)
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  # The packages' own services (redis, etcd, RabbitMQ on every interface) must not start: the tests
  # start their own on loopback. policy-rc.d answering 101 tells the maintainer scripts so.
  policy=/usr/sbin/policy-rc.d
  ours=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    ours=1
    trap '$sudo rm -f "$policy"' EXIT
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$ours" ]; then
    trap - EXIT
    $sudo rm -f "$policy"
  fi
fi

[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
npm run --silent build
npm run --silent lint
# RabbitMQ's port mapper (epmd) outlives the nodes it served: stop it after, unless it ran before.
epmd_before=$(pgrep -x epmd || true)
status=0
# One file at a time keeps the 2-core machines from timing each other out; a test that hangs is
# cut off after 3 minutes instead of holding CI.
node --test --test-concurrency=1 --test-timeout=180000 dist/test/unit/ dist/test/integration/ || status=$?
[ -n "$epmd_before" ] || ! command -v epmd >/dev/null || epmd -kill >/dev/null 2>&1 || true
exit $status
