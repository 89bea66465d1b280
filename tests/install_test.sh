#!/bin/bash
# `meson install` into a DESTDIR: binaries, example configurations, the
# systemd unit and the man pages are there; every binary answers
# --version; the man pages render without a warning; systemd-analyze
# verifies the unit (its commands pointed at the DESTDIR's binaries, its
# Documentation= at the DESTDIR's man pages).
# usage: install_test.sh BUILD_DIR
set -u
BUILD=$(cd "$1" && pwd)
D=$(mktemp -d /tmp/espgw-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
fail=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi; }

meson install -C "$BUILD" --destdir "$D" --no-rebuild --quiet || { echo "FAIL: meson install"; exit 1; }
P=$(meson introspect "$BUILD" --buildoptions | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["bindir"], o["sysconfdir"], o["mandir"], o["datadir"])')
read -r PREFIX BINDIR SYSCONF MANDIR DATADIR <<<"$P"
R=$D$PREFIX
case $SYSCONF in /*) ETC=$D$SYSCONF ;; *) ETC=$R/$SYSCONF ;; esac
for b in espgw espgwctl espgw-ike; do
	check "[ -x $R/$BINDIR/$b ] && $R/$BINDIR/$b --version | grep -q '^$b [0-9]'" "$b installed, --version"
done
check "[ -f $ETC/espgw/espgw.yaml.example ]" "example configuration in $ETC/espgw"
check "[ \$(stat -c %a $ETC/espgw/espgw.yaml.example) = 600 ]" "the example (it holds keys) is mode 600"
check "$R/$BINDIR/espgw --check-config $ETC/espgw/espgw.yaml.example >/dev/null" "the example checks"
for f in site-a.yaml site-b.yaml; do
	check "$R/$BINDIR/espgw --check-config $R/$DATADIR/doc/espgw/examples/$f >/dev/null 2>&1" "$f checks"
done
UNIT=$R/lib/systemd/system/espgw.service
check "[ -f $UNIT ]" "systemd unit installed"
check "grep -q '^Type=notify' $UNIT && grep -q '^ExecReload=' $UNIT" "unit: Type=notify, ExecReload"
for m in man8/espgw.8 man8/espgwctl.8 man5/espgw.yaml.5; do
	out=$(MANWIDTH=80 man --warnings -l "$R/$MANDIR/$m" 2>&1 >/dev/null)
	check "[ -s $R/$MANDIR/$m ] && [ -z \"\$out\" ]" "$m renders without warnings $out"
done
check "MANWIDTH=80 man -l $R/$MANDIR/man8/espgwctl.8 | grep -q 'clear counters'" "espgwctl(8) has the commands"
# the unit with its commands at the DESTDIR's binaries
sed "s#$PREFIX/$BINDIR#$R/$BINDIR#g; s#$PREFIX/$SYSCONF#$ETC#g" "$UNIT" > "$D/espgw.service"
out=$(MANPATH=$R/$MANDIR systemd-analyze verify "$D/espgw.service" 2>&1 | grep espgw.service)
check "[ -z \"\$out\" ]" "systemd-analyze verify: no complaint about espgw.service $out"
exit $fail
