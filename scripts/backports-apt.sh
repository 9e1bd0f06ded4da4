# SPDX-License-Identifier: GPL-2.0
#
# backports-apt.sh: sourced, not run. `backports_apt DIR` sets the array
# backports_aptopts to apt options that see bookworm-backports through a
# private configuration under DIR (lists, cache, a sources file), so that
# packages can be fetched with `apt-get "${backports_aptopts[@]}" download`
# and unpacked without installing anything or touching the machine's apt.
# The mirror is the one the machine already uses for bookworm. The index
# is refreshed once a day at most. Used by matrix-headers.sh (the 6.12
# headers) and by the lab (the 6.12 kernel image).

backports_apt()
{
	local apt=$1/apt mirror

	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources"
	mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 == "bookworm" { print $1; exit }')
	[ -n "$mirror" ] || mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 ~ /^bookworm/ && $1 !~ /security/ { print $1; exit }')
	if [ -z "$mirror" ]; then
		echo "backports-apt: no bookworm source in apt's configuration" >&2
		return 1
	fi

	cat >"$apt/sources/backports.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

	backports_aptopts=(-o Dir::Etc::SourceList=/dev/null
			   -o Dir::Etc::SourceParts="$apt/sources"
			   -o Dir::State::Lists="$apt/lists"
			   -o Dir::Cache="$apt/cache"
			   -o Dir::State::Status=/dev/null
			   -o APT::Architecture=amd64 -o Debug::NoLocking=1
			   -o APT::Sandbox::User=root)

	if [ -z "$(find "$apt/lists" -name '*bookworm-backports*Packages*' -mtime -1 2>/dev/null)" ]; then
		apt-get "${backports_aptopts[@]}" update -qq
	fi
}
