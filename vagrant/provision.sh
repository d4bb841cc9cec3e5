#!/usr/bin/env bash
# Provision the student VM: packages, kernel modules, and a copy of the
# project on the VM's own disk, built and checked. Safe to run again
# (`vagrant provision`): it refreshes the copy and rebuilds.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq build-essential bats busybox-static iproute2 \
	shellcheck rsync hyperfine crun >/dev/null
# qemu lets make bench boot a VM next to the containers (x86_64 only).
if [ "$(uname -m)" = x86_64 ]; then
	apt-get install -y -qq qemu-system-x86 >/dev/null
fi

# overlay and veth are modules on Ubuntu's kernel: load them now and at boot.
for mod in overlay veth; do
	modprobe "$mod"
	grep -qx "$mod" /etc/modules-load.d/stepbox.conf 2>/dev/null ||
		echo "$mod" >>/etc/modules-load.d/stepbox.conf
done

# Ubuntu 23.10+ lets AppArmor take every capability from user namespaces made
# without root; step 06 (and rootless podman, and browsers' sandboxes) need
# them. The course VM allows them; make doctor shows the setting.
if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]; then
	echo 'kernel.apparmor_restrict_unprivileged_userns = 0' >/etc/sysctl.d/60-stepbox-userns.conf
	sysctl -q -p /etc/sysctl.d/60-stepbox-userns.conf
fi

# Build on the VM's disk: the shared folder (vboxsf) cannot hold overlay layers.
dest=/home/vagrant/stepbox
rsync -a --delete --exclude build/ /vagrant/ "$dest/"
chown -R vagrant:vagrant "$dest"
make -C "$dest"
make -C "$dest" doctor || true

cat <<'MSG'

stepbox is ready. Inside the VM:
  sudo -i
  cd /home/vagrant/stepbox
  make demo        # the lecture, live
  make test        # every test
Edit on your machine, then `vagrant provision` copies and rebuilds.
MSG
