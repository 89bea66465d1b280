#!/usr/bin/env python3
"""docs/cli.md (and so espgwctl(8), rendered from it) lists exactly the
commands of the table in control/mgmt.c that `help` prints and requests are
matched against: every command there has a row `SYNTAX` here, and every
row here is a command there.

usage: cli_commands.py"""
import os
import re
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
src = open(os.path.join(top, "control", "mgmt.c")).read()
table = src[src.index("static const struct mgmt_cmd cmds[] = {"):]
table = table[:table.index("};")]
code = [m.group(1) for m in re.finditer(r'\{ "([^"]+)", \w+, [^,]+, \w+,\s*"([^"]*)"', table)
        if m.group(2)]
code = [c for c in code if not c.startswith("complete")]
doc = open(os.path.join(top, "docs", "cli.md")).read()
doc = doc[doc.index("| command | shows / does |"):]
doc = doc[:doc.index("\n\n")]          # the command table, to its end
rows = [r.replace("\\|", "|") for r in re.findall(r"^\| `((?:[^`\\]|\\.)+)` \|", doc, re.M)]
missing = [c for c in code if c not in rows]
extra = [r for r in rows if r not in code]
for c in missing:
    print("docs/cli.md has no row for `%s`" % c)
for r in extra:
    print("docs/cli.md has a row `%s` that is not a command" % r)
print("%d commands, %d rows" % (len(code), len(rows)))
sys.exit(1 if missing or extra or len(code) < 30 else 0)
