#!/usr/bin/python3
"""Render one of espgw's docs/*.md pages as a man page (groff -man), so
the man pages say what the docs say.

usage: md2man.py PAGE.md NAME SECTION "one-line description" OUT

The docs use a small part of Markdown, and this handles that part:
headings, paragraphs, '-' lists, fenced code, tables (each row becomes a
tagged paragraph: its first cell the tag, the others joined with their
column names), `code`, **bold**, [links](target) and <!-- comments -->.
"""
import re
import sys


def esc(text):
    """Text for a roff line: backslashes, and no line starting with a
    control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def inline(text):
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)      # links: their text
    out, pos = "", 0
    for m in re.finditer(r"`([^`]+)`|\*\*([^*]+)\*\*", text):
        out += esc(text[pos:m.start()])
        out += "\\fB" + esc(m.group(1) or m.group(2)) + "\\fR"
        pos = m.end()
    out += esc(text[pos:])
    return out


def line(text):
    t = inline(text.strip())
    return ("\\&" + t) if t[:1] in (".", "'") else t


def cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    # a \| inside a cell is a literal bar
    parts = re.split(r"(?<!\\)\|", row)
    return [p.strip().replace("\\|", "|") for p in parts]


def render(md, name, section, desc, date):
    src = re.sub(r"<!--.*?-->", "", md, flags=re.S).split("\n")
    out = ['.TH "%s" "%s" "%s" "espgw" "espgw"' % (name.upper(), section, date),
           ".SH NAME", "%s \\- %s" % (esc(name), esc(desc))]
    i, para = 0, []

    def flush():
        if para:
            out.append(".PP")
            out.extend(line(p) for p in para)
            para.clear()

    while i < len(src):
        s = src[i]
        if s.startswith("```"):
            flush()
            out += [".PP", ".RS 4", ".nf"]
            i += 1
            while i < len(src) and not src[i].startswith("```"):
                out.append("\\&" + esc(src[i]))
                i += 1
            out += [".fi", ".RE"]
        elif re.match(r"#+ ", s):
            flush()
            level = len(s) - len(s.lstrip("#"))
            title = s.lstrip("#").strip()
            if level == 1:
                out += [".SH DESCRIPTION"]
            elif level == 2:
                out.append('.SH "%s"' % inline(title.upper()).replace('"', ""))
            else:
                out.append('.SS "%s"' % inline(title).replace('"', ""))
        elif s.startswith("|"):
            flush()
            head = cells(s)
            i += 2          # the |---| line
            while i < len(src) and src[i].startswith("|"):
                row = cells(src[i])
                out += [".TP", line(row[0])]
                rest = ([row[1]] if len(head) == 2 else
                        ["%s: %s" % (h, c) for h, c in zip(head[1:], row[1:]) if c])
                out += [line(r) if k == 0 else ".br\n" + line(r) for k, r in enumerate(rest)]
                i += 1
            continue
        elif re.match(r"\s*[-*] ", s):
            flush()
            item = [re.sub(r"^\s*[-*] ", "", s)]
            while i + 1 < len(src) and src[i + 1].startswith("  ") and src[i + 1].strip() \
                    and not re.match(r"\s*[-*] ", src[i + 1]):
                i += 1
                item.append(src[i])
            out += [".IP \\(bu 2", line(" ".join(x.strip() for x in item))]
        elif not s.strip():
            flush()
        else:
            para.append(s)
        i += 1
    flush()
    return "\n".join(out) + "\n"


def main():
    md, name, section, desc, outp = sys.argv[1:6]
    date = "2026"
    open(outp, "w").write(render(open(md).read(), name, section, desc, date))


if __name__ == "__main__":
    main()
