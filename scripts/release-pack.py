"""Writes release files byte for byte the same wherever and whenever they are made.

  release-pack.py zip OUT.zip EPOCH NAME=FILE [NAME=FILE ...]
      A zip holding each FILE under NAME: entries in name order, each dated EPOCH (seconds
      since 1970, UTC; SOURCE_DATE_EPOCH in release.sh), mode 0755 recorded as made on unix
      (so Terraform and unzip make the provider executable, whatever system packed it),
      deflated at level 9, no extra fields, no comments. Nothing of the packing machine (its
      clock, umask, file system order, user or Python's platform default) gets in.
  release-pack.py diff A.zip B.zip
      Says how two zips differ (entry names, dates, modes, methods, contents: the SHA-256 of
      each entry's data), for scripts/release-rebuild-check.sh; exits 1 when they differ.
  release-pack.py sums OUT DIR NAME [NAME ...]
      OUT lists "<sha256>  <NAME>" for each DIR/NAME, in name order, with LF line ends: the
      SHA256SUMS format of sha256sum, the same on every system.

Only the standard library: release.sh runs it with whichever Python 3 the system has.
"""

import hashlib
import os
import sys
import time
import zipfile

# What a zip can date: 1980-01-01 to 2107-12-31, in 2-second steps.
ZIP_EPOCH_MIN = 315532800
ZIP_EPOCH_MAX = 4354819198


def fail(message):
    sys.stderr.write("release-pack: %s\n" % message)
    sys.exit(2)


def date_time(epoch):
    clamped = min(max(epoch, ZIP_EPOCH_MIN), ZIP_EPOCH_MAX)
    return time.gmtime(clamped)[:6]


def write_zip(out, epoch, members):
    entries = []
    for member in members:
        name, sep, path = member.partition("=")
        if not sep or not name or not path:
            fail("want NAME=FILE, not %r" % member)
        if "/" in name or "\\" in name:
            fail("member names are plain file names, not %r" % name)
        with open(path, "rb") as f:
            entries.append((name, f.read()))
    entries.sort(key=lambda e: e[0].encode("utf-8"))
    names = [e[0] for e in entries]
    if len(set(names)) != len(names):
        fail("a member name appears twice: %s" % names)
    tmp = out + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time(epoch))
            # Python's default is 0 (MS-DOS) on Windows, which drops the mode bits.
            info.create_system = 3
            info.external_attr = (0o100755 & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, out)


def write_sums(out, directory, names):
    lines = []
    for name in sorted(set(names), key=lambda n: n.encode("utf-8")):
        digest = hashlib.sha256()
        with open(os.path.join(directory, name), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        lines.append("%s  %s\n" % (digest.hexdigest(), name))
    with open(out, "wb") as f:
        f.write("".join(lines).encode("utf-8"))


def describe(path):
    with zipfile.ZipFile(path) as zf:
        out = []
        for info in zf.infolist():
            out.append({
                "name": info.filename,
                "date": "%04d-%02d-%02d %02d:%02d:%02d" % info.date_time,
                "mode": oct(info.external_attr >> 16),
                "system": info.create_system,
                "method": info.compress_type,
                "sha256": hashlib.sha256(zf.read(info)).hexdigest(),
                "size": info.file_size,
            })
        return out


def diff_zips(a, b):
    with open(a, "rb") as f:
        bytes_a = f.read()
    with open(b, "rb") as f:
        bytes_b = f.read()
    if bytes_a == bytes_b:
        print("same bytes: %s and %s" % (a, b))
        return 0
    entries_a, entries_b = describe(a), describe(b)
    print("the zips differ: %s (%d bytes) and %s (%d bytes)" % (a, len(bytes_a), b, len(bytes_b)))
    names_a = [e["name"] for e in entries_a]
    names_b = [e["name"] for e in entries_b]
    if names_a != names_b:
        print("  entries: %s versus %s" % (names_a, names_b))
    for ea, eb in zip(entries_a, entries_b):
        for key in ("sha256", "size", "date", "mode", "system", "method"):
            if ea[key] != eb[key]:
                what = "the file itself (the build is not reproducible)" if key == "sha256" else key
                print("  %s: %s differs: %s versus %s" % (ea["name"], what, ea[key], eb[key]))
    if names_a == names_b and all(ea == eb for ea, eb in zip(entries_a, entries_b)):
        print("  same entries, same contents: the packing differs (zip headers or compression)")
    return 1


def main(argv):
    if len(argv) >= 4 and argv[0] == "zip":
        try:
            epoch = int(argv[2])
        except ValueError:
            fail("EPOCH must be whole seconds since 1970, not %r" % argv[2])
        write_zip(argv[1], epoch, argv[3:])
    elif len(argv) == 3 and argv[0] == "diff":
        sys.exit(diff_zips(argv[1], argv[2]))
    elif len(argv) >= 4 and argv[0] == "sums":
        write_sums(argv[1], argv[2], argv[3:])
    else:
        fail("usage: release-pack.py zip OUT.zip EPOCH NAME=FILE... | diff A.zip B.zip"
             " | sums OUT DIR NAME...")


if __name__ == "__main__":
    main(sys.argv[1:])
