#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# The main job on the bundled default: install, build, then replay the
# generated trace of every close path through fintrack (no NIC, no hugepages)
# and print the per-state table, the flow ends and the diagnosis. The events
# and the JSON report land in build/default.events.jsonl and
# build/default.report.json.

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
cd "$top/build"
# No EAL options: fintrack starts EAL itself (no hugepages, no PCI, memory sized to the tables).
exec ./app/fintrack --pcap app/default.pcap --events default.events.jsonl \
	--report default.report.json --drain "$@"
