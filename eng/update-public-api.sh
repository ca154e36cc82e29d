#!/usr/bin/env bash
# Rewrites PublicAPI.Unshipped.txt of every package whose public API is tracked (docs/public-api.md), from what the
# compiler says: the public API that is not in PublicAPI.Shipped.txt, and a *REMOVED* line for each Shipped entry
# that no longer exists. PublicAPI.Shipped.txt is never written (it is created, empty, for a new package).
#
#   bash eng/update-public-api.sh                       # every tracked project under src/
#   bash eng/update-public-api.sh src/Workflowy.Sqlite  # only these (a folder or a .csproj)
#
# A tracked project is one where MSBuild's WorkflowyGuardRails is true (src/Directory.Build.targets: the packable
# libraries under src/ that are not netstandard2.0). How:
#   1. PublicAPI.Unshipped.txt is emptied to its '#nullable enable' header (the old one is put back if a build fails);
#   2. the projects are built with warnings as warnings; the analyzer's RS0016 message is the exact line the file
#      wants ("Symbol '<line>' is not part of the declared public API"), RS0017 names a Shipped line that is gone
#      ("Symbol '<line>' is part of the declared API, but is either not public or could not be found");
#   3. the lines are written sorted (ordinal), one each, after the header;
#   4. the projects are built again to check that no RS0016/RS0017 is left (fails if the format ever changes).
# Running it twice gives the same files. Needs only the .NET SDK (restore included).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The messages are parsed: keep them in English whatever the machine's culture.
export DOTNET_CLI_UI_LANGUAGE=en-US
export LC_ALL=C

header='#nullable enable'
work="$(mktemp -d "${TMPDIR:-/tmp}/workflowy-public-api.XXXXXX")"
restore_on_exit=0
declare -a projects=()

cleanup() {
  if [ "$restore_on_exit" -eq 1 ]; then
    for proj in "${projects[@]}"; do
      dir="$(dirname "$proj")"
      key="$(echo "$dir" | tr '/' '_')"
      if [ -f "$work/$key.backup" ]; then
        cp "$work/$key.backup" "$dir/PublicAPI.Unshipped.txt"
      fi
    done
    echo "update-public-api: PublicAPI.Unshipped.txt put back as it was" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The projects: those named, or every project under src/; kept if MSBuild says WorkflowyGuardRails=true.
declare -a candidates=()
if [ "$#" -gt 0 ]; then
  for arg in "$@"; do
    # A path relative to where the script is run from (the repository root, usually).
    if [ -d "$arg" ]; then
      found=("$(cd "$arg" && pwd)"/*.csproj)
      [ -e "${found[0]}" ] || { echo "update-public-api: no .csproj in $arg" >&2; exit 2; }
      candidates+=("${found[@]}")
    elif [ -f "$arg" ]; then
      candidates+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")")
    else
      echo "update-public-api: no such project: $arg" >&2; exit 2
    fi
  done
else
  while IFS= read -r proj; do candidates+=("$proj"); done < <(find "$repo/src" -name '*.csproj' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
fi
cd "$repo"
for proj in "${candidates[@]}"; do
  tracked="$(dotnet msbuild "$proj" -nologo -getProperty:WorkflowyGuardRails 2>/dev/null || true)"
  if [ "$tracked" = "true" ]; then
    projects+=("$proj")
  elif [ "$#" -gt 0 ]; then
    echo "update-public-api: ${proj#"$repo"/} does not track its public API (WorkflowyGuardRails is not true)" >&2; exit 2
  fi
done
[ "${#projects[@]}" -gt 0 ] || { echo "update-public-api: no tracked project found under src/" >&2; exit 2; }

build_all() {  # $1: log file. Builds every tracked project; warnings stay warnings.
  local log="$1" status=0
  : > "$log"
  for proj in "${projects[@]}"; do
    # Each project is compiled (its Unshipped file is newer than its output), so each reports its diagnostics.
    touch "$(dirname "$proj")/PublicAPI.Unshipped.txt"
  done
  for proj in "${projects[@]}"; do
    dotnet build "$proj" -nologo --tl:off -v:q -clp:NoSummary\;ForceNoAlign \
      -p:TreatWarningsAsErrors=false -p:PreferredUILang=en-US >> "$log" 2>&1 || status=$?
  done
  if [ "$status" -ne 0 ]; then
    grep -E ': error ' "$log" | sort -u >&2 || cat "$log" >&2
    echo "update-public-api: the build failed; fix the errors above and run again" >&2
    exit 1
  fi
}

# "<file>(l,c): warning RS0016: Symbol '<line>' is not part ... [<project>]" -> "<line>" for one project.
diagnostics_of() {  # $1: log, $2: project path, $3: rule id, $4: the message text after the symbol
  local log="$1" proj="$2" id="$3" tail="$4"
  { grep -F -e "[$proj]" -e "[$proj::" "$log" || true; } \
    | { grep -F ": warning $id: Symbol '" || true; } \
    | sed -n -E "s/^.*: warning $id: Symbol '(.*)' $tail.*\$/\\1/p"
}

echo "== public API of: ${projects[*]#"$repo"/}"
for proj in "${projects[@]}"; do
  dir="$(dirname "$proj")"
  key="$(echo "$dir" | tr '/' '_')"
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '%s\n' "$header" > "$dir/PublicAPI.Shipped.txt"
  if [ -f "$dir/PublicAPI.Unshipped.txt" ]; then cp "$dir/PublicAPI.Unshipped.txt" "$work/$key.backup"; fi
done
restore_on_exit=1
for proj in "${projects[@]}"; do
  printf '%s\n' "$header" > "$(dirname "$proj")/PublicAPI.Unshipped.txt"
done

build_all "$work/scan.log"

for proj in "${projects[@]}"; do
  dir="$(dirname "$proj")"
  key="$(echo "$dir" | tr '/' '_')"
  {
    diagnostics_of "$work/scan.log" "$proj" RS0016 "is not part of the declared public API"
    diagnostics_of "$work/scan.log" "$proj" RS0017 "is part of the declared API, but is either not public or could not be found" \
      | sed 's/^/*REMOVED*/'
  } | sort -u > "$work/$key.lines"
  { printf '%s\n' "$header"; cat "$work/$key.lines"; } > "$dir/PublicAPI.Unshipped.txt"
  before=0
  [ -f "$work/$key.backup" ] && before=$(grep -cv '^#nullable' "$work/$key.backup" || true)
  echo "   ${dir#"$repo"/}/PublicAPI.Unshipped.txt: $(wc -l < "$work/$key.lines") line(s) (was ${before})"
done
restore_on_exit=0

echo "== checking: a build with the new files reports no RS0016/RS0017"
build_all "$work/check.log"
left=0
for proj in "${projects[@]}"; do
  rest="$(grep -F -e "[$proj]" -e "[$proj::" "$work/check.log" | grep -E ': warning RS00(16|17|36|37|48|50): ' | sort -u || true)"
  if [ -n "$rest" ]; then
    echo "$rest" >&2
    left=1
  fi
done
if [ "$left" -ne 0 ]; then
  echo "update-public-api: public API diagnostics are left after the update (above): the analyzer's message may no longer be the line format; see docs/public-api.md" >&2
  exit 1
fi

# Other warnings of the tracked projects (e.g. RS0026/RS0027 on optional parameters, RS0030 banned API) fail the normal
# build: name them here so that they are not a surprise.
others="$(for proj in "${projects[@]}"; do grep -F -e "[$proj]" -e "[$proj::" "$work/check.log" | grep -E ': warning ' || true; done | sort -u)"
if [ -n "$others" ]; then
  echo "== other warnings to fix by hand (the normal build treats them as errors):"
  echo "$others"
fi
echo "== done"
