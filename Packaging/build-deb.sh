#!/usr/bin/env bash
# Builds the drcheck .deb. Usage: Packaging/build-deb.sh [--worktree] [OUTPUT_DIR]   (default Packaging/out)
# Builds the last commit (HEAD, copied to .build-pkg/head), or with --worktree the working tree as it is.
# Prints the path of the .deb on its last line.
#
# A release build with the Swift runtime linked statically (scratch folders under .build-pkg), stripped; the man page
# drcheck(8) generated from the binary's own help by swift-argument-parser's generate-manual tool (what its
# `swift package plugin generate-manual` runs, here on the very binary packaged); Depends from dpkg-shlibdeps.
# Version: `git describe` of a v* tag, else the VERSION file, else the binary's own version (DrcheckVersion.swift)
# +git<commits>.g<hash>; with --worktree ".dirty" when tracked files differ from HEAD.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
mode=head
if [ "${1:-}" = --worktree ]; then
  mode=worktree
  shift
fi
out=$(mkdir -p "${1:-$here/out}" && cd "${1:-$here/out}" && pwd)

# copy_head DIR: makes DIR hold exactly HEAD's files (plus the working tree's Package.resolved, which git ignores).
# Only files that differ are written, so the others keep their times and the build stays incremental.
copy_head() {
  local dir=$1 fresh file
  fresh=$(mktemp -d)
  git -C "$repo" archive --format=tar HEAD | tar -x -C "$fresh"
  [ ! -f "$repo/Package.resolved" ] || cp "$repo/Package.resolved" "$fresh/"
  mkdir -p "$dir"
  (cd "$fresh" && find . -type f) | while read -r file; do
    cmp -s "$fresh/$file" "$dir/$file" || install -D -m "$(stat -c %a "$fresh/$file")" "$fresh/$file" "$dir/$file"
  done
  (cd "$dir" && find . -type f) | while read -r file; do
    [ -e "$fresh/$file" ] || rm -f "$dir/$file"
  done
  rm -rf "$fresh"
}

if [ "$mode" = head ]; then
  source="$repo/.build-pkg/head"
  scratch="$repo/.build-pkg/head-build"
  copy_head "$source"
else
  source=$repo
  scratch="$repo/.build-pkg"
fi

package_version() {
  local described
  if described=$(git -C "$repo" describe --tags --match 'v[0-9]*' 2>/dev/null); then
    # v1.2.0-3-gabc1234 -> 1.2.0+3.gabc1234: Debian native versions have no '-'.
    sed -E 's/^v//; s/-([0-9]+)-g/+\1.g/' <<<"$described$(dirty)"
    return
  fi
  if [ -f "$source/VERSION" ]; then
    tr -d ' \n' <"$source/VERSION"
    return
  fi
  # Untagged: the version the binary reports (DrcheckVersion.swift), then where in the history it was built.
  local upstream
  upstream=$(sed -n 's/.*static let current = "\([0-9][^"]*\)".*/\1/p' "$source/Sources/Primitives/DrcheckVersion.swift")
  echo "${upstream:-0.0.0}+git$(git -C "$repo" rev-list --count HEAD).g$(git -C "$repo" rev-parse --short HEAD)$(dirty)"
}

# dirty: ".dirty" when a --worktree build includes changes not committed.
dirty() {
  [ "$mode" = head ] || git -C "$repo" diff --quiet HEAD -- || echo .dirty
}

version=$(package_version)
arch=$(dpkg --print-architecture)
maintainer=${DRCHECK_MAINTAINER:-$(git -C "$repo" log -1 --format='%an <%ae>')}
# Reproducible dates: the last commit's, for the man page, the changelog and (via dpkg-deb) the archive's mtimes.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct)}

echo "build-deb: drcheck $version ($arch) from the $mode" >&2
build=(swift build -c release --package-path "$source" --scratch-path "$scratch" --static-swift-stdlib)
"${build[@]}" --product drcheck >&2
"${build[@]}" --product generate-manual >&2
bin=$("${build[@]}" --show-bin-path)

# The packaging files come from the tree being built, like the binary.
pkg="$source/Packaging"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
doc="$root/usr/share/doc/drcheck"
umask 022

install -D -m 0755 "$bin/drcheck" "$root/usr/sbin/drcheck"
# What dh_strip does to an executable.
strip --remove-section=.comment --remove-section=.note "$root/usr/sbin/drcheck"
# Units under /usr/lib, where merged-/usr systems (and trixie's packages) keep them.
for unit in drcheck.service drcheck-once.service drcheck-once.timer; do
  install -D -m 0644 "$pkg/$unit" "$root/usr/lib/systemd/system/$unit"
done
install -D -m 0644 "$pkg/drcheck.yaml" "$root/etc/drcheck/drcheck.yaml"
install -D -m 0644 "$pkg/drcheck.cron" "$root/etc/cron.d/drcheck"

mkdir -p "$work/man"
"$bin/generate-manual" "$bin/drcheck" --section 8 --authors "$maintainer" \
  --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" --output-directory "$work/man" >&2
# The generator copies blank lines of the help's discussions, which groff warns about: make them paragraph breaks.
# FILES and SEE ALSO are not in the help; they go before AUTHORS.
awk -v files="$pkg/drcheck.8.files" '/^\.Sh AUTHORS/ { while ((getline line <files) > 0) print line }
  { print ($0 == "" ? ".Pp" : $0) }' "$work/man/drcheck.8" >"$work/drcheck.8"
install -D -m 0644 "$work/drcheck.8" "$root/usr/share/man/man8/drcheck.8"
gzip -9n "$root/usr/share/man/man8/drcheck.8"
# drcheck.yaml(5), the configuration file's keys, is written by hand (Tests/AgentTests/ManPageTests.swift checks it
# names every key the parser knows).
install -D -m 0644 "$pkg/drcheck.yaml.5" "$root/usr/share/man/man5/drcheck.yaml.5"
gzip -9n "$root/usr/share/man/man5/drcheck.yaml.5"

install -D -m 0644 "$pkg/copyright" "$doc/copyright"
install -D -m 0644 "$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/drcheck"
install -D -m 0644 "$pkg/OPERATIONS.md" "$doc/OPERATIONS.md"
install -D -m 0644 "$pkg/alerts.yml" "$doc/examples/alerts.yml"
install -D -m 0644 "$pkg/grafana-dashboard.json" "$doc/examples/grafana-dashboard.json"
cat >"$work/changelog" <<CHANGELOG
drcheck ($version) unstable; urgency=medium

  * Built from git commit $(git -C "$repo" rev-parse HEAD).

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGELOG
install -m 0644 "$work/changelog" "$doc/changelog"
gzip -9n "$doc/changelog"

# dpkg-shlibdeps wants a source package around the binary: a debian/control skeleton is enough.
mkdir -p "$work/src/debian"
printf 'Source: drcheck\n\nPackage: drcheck\nArchitecture: any\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O -e "$root/usr/sbin/drcheck" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
install -m 0755 "$pkg/deb/postinst" "$pkg/deb/prerm" "$pkg/deb/postrm" "$root/DEBIAN/"
printf '/etc/cron.d/drcheck\n/etc/drcheck/drcheck.yaml\n' >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$root/DEBIAN/md5sums"
cat >"$root/DEBIAN/control" <<CONTROL
Package: drcheck
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Suggests: ipvsadm, prometheus
Section: net
Priority: optional
Description: health checks and IPVS weights for LVS direct-routing directors
 drcheck probes every real server of the director's IPVS services over
 HTTP(S), through the same direct-routing path as client traffic, and sets
 destination weights over generic netlink: weight 0 when a server fails, its
 configured weight when it recovers. It sees a real server that lacks the VIP
 on its loopback or answers ARP for it, exports Prometheus metrics, and runs
 as a systemd daemon or once from cron.
CONTROL

deb="$out/drcheck_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
