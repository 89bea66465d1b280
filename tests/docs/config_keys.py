#!/usr/bin/env python3
"""docs/configuration.md's key tables are what `espgw --print-keys SECTION`
prints from the key tables in common/config/: each block between
<!-- keys SECTION --> and <!-- /keys --> is checked (or, with --update,
rewritten), and every section must have one.

usage: config_keys.py BUILD_DIR [--update]"""
import os
import re
import subprocess
import sys

SECTIONS = ["top", "eal", "ike", "ports", "routes", "neighbours", "sas", "policies",
            "connections", "users", "pools", "radius"]
build = sys.argv[1]
update = len(sys.argv) > 2 and sys.argv[2] == "--update"
espgw = os.path.join(build, "control", "espgw")
doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                   "configuration.md")
text = open(doc).read()
stale = []


def block(m):
    want = subprocess.run([espgw, "--print-keys", m.group(1)], capture_output=True,
                          text=True, check=True).stdout
    if m.group(2) != want:
        stale.append(m.group(1))
    return "<!-- keys %s -->\n%s<!-- /keys -->" % (m.group(1), want)


new = re.sub(r"<!-- keys (\w+) -->\n(.*?)<!-- /keys -->", block, text, flags=re.S)
missing = [s for s in SECTIONS if "<!-- keys %s -->" % s not in text]
if update:
    open(doc, "w").write(new)
    print("docs/configuration.md: %d tables rewritten" % len(stale))
    sys.exit(0)
for s in missing:
    print("FAIL: docs/configuration.md has no table of section %s" % s)
for s in stale:
    print("FAIL: docs/configuration.md's table of %s differs from espgw --print-keys %s "
          "(rerun: tests/docs/config_keys.py BUILD --update)" % (s, s))
sys.exit(1 if missing or stale else 0)
