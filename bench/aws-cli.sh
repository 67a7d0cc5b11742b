#!/usr/bin/env bash
# The check a user would script with the AWS CLI: list every top-level prefix, fetch every block's
# meta.json with one `aws s3api get-object` each, then take each cluster's newest maxTime with jq.
# Prints "cluster status" lines. The bench runs it against the local S3 server.
#   BUCKET=kc-thanos-store NOW_MS=$(date +%s%3N) EXPECTED=a,b ./aws-cli.sh
set -euo pipefail
: "${BUCKET:?set BUCKET}"
NOW_MS=${NOW_MS:-$(date +%s%3N)}
EXPECTED=${EXPECTED:-}
CLUSTER_LABEL=${CLUSTER_LABEL:-cluster_id}
LATE_AFTER_MS=${LATE_AFTER_MS:-12600000}   # 3h30m
STALL_AFTER_MS=${STALL_AFTER_MS:-14400000} # 4h
PARALLEL=${PARALLEL:-4}
aws=(aws ${ENDPOINT:+--endpoint-url "$ENDPOINT"})

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/meta"

# The CLI pages through ListObjectsV2 itself (1,000 prefixes a request).
"${aws[@]}" s3api list-objects-v2 --bucket "$BUCKET" --delimiter / --query 'CommonPrefixes[].Prefix' --output text >"$work/list"
tr '\t' '\n' <"$work/list" | grep -E '^[0-7][0-9A-HJKMNP-TV-Z]{25}/$' >"$work/prefixes" || true

# One get-object per block; a prefix without meta.json (upload in progress) is skipped.
export BUCKET work
xargs -P "$PARALLEL" -I{} sh -c '"$@" s3api get-object --bucket "$BUCKET" --key "{}meta.json" "$work/meta/$(basename {}).json" >/dev/null 2>&1 || true' \
  sh "${aws[@]}" <"$work/prefixes"

find "$work/meta" -name '*.json' -exec cat {} + |
  jq -rs --argjson now "$NOW_MS" --argjson late "$LATE_AFTER_MS" --argjson stall "$STALL_AFTER_MS" \
    --arg expected "$EXPECTED" --arg lbl "$CLUSTER_LABEL" '
    map(select((.thanos.labels[$lbl] // "") != "" and ((.thanos.downsample.resolution // 0) == 0)))
    | group_by(.thanos.labels[$lbl])
    | map({key: .[0].thanos.labels[$lbl], value: (map(.maxTime) | max)})
    | from_entries as $newest
    | ($newest | keys) + ($expected | split(",") | map(select(. != ""))) | unique[]
    | . as $c
    | if $newest[$c] == null then "\($c) missing"
      elif ($now - $newest[$c]) > $stall then "\($c) stalled"
      elif ($now - $newest[$c]) > $late then "\($c) late"
      else "\($c) ok" end'
