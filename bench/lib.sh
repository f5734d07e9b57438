# Shared by the benchmark scripts: builds the release binary, then for each backend creates
# a database, migrates and seeds it, loads the script's extra rows, serves it, and runs each
# of the script's queries under wrk, printing one table: requests per second, p50 and p99
# latency, SQL statements per request, failed responses.
#
# The sourcing script sets `seconds`, `connections`, the arrays `query_names` and
# `query_bodies`, and defines `extra_sql`, which prints SQL both backends accept.
set -euo pipefail

pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export PGOPTIONS="--client-min-messages=warning"
# PostgreSQL requires a shared token secret; the benchmarks sign nobody in.
export HUB_TOKEN_SECRET=${HUB_TOKEN_SECRET:-bench-secret-that-is-long-enough-to-sign-tokens}
command -v wrk >/dev/null || { echo "the benchmarks need wrk: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet
bin=$PWD/target/release/entities-hub
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  psql "$pg_admin" -qc "DROP DATABASE IF EXISTS hub_bench WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

statements() { curl -s "$1/metrics" | awk '/^hub_db_statements_total/ { print $2 }'; }

run_benchmarks() {
  printf '%-10s %-22s %10s %9s %9s %11s %7s\n' backend query "req/s" "p50 ms" "p99 ms" "stmts/req" failed
  for backend in sqlite postgres; do
    case $backend in
      sqlite) url=$work/bench.db ;;
      postgres)
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS hub_bench WITH (FORCE)" -c "CREATE DATABASE hub_bench" >/dev/null
        url=${pg_admin%/*}/hub_bench ;;
    esac
    DATABASE_URL=$url "$bin" migrate >/dev/null
    DATABASE_URL=$url "$bin" seed >/dev/null
    case $backend in
      sqlite) extra_sql | python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read())" "$url" ;;
      postgres) extra_sql | psql -q "$url" >/dev/null ;;
    esac

    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    base=http://127.0.0.1:$port
    DATABASE_URL=$url HUB_LISTEN=127.0.0.1:$port RUST_LOG=warn "$bin" serve 2>"$work/server.log" &
    server=$!
    for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

    for i in "${!query_names[@]}"; do
      name=${query_names[$i]}
      body=${query_bodies[$i]}
      if curl -s "$base/graphql" -H 'content-type: application/json' -d "$body" | grep -q '"errors"'; then
        echo "$backend $name answers with errors:" >&2
        curl -s "$base/graphql" -H 'content-type: application/json' -d "$body" >&2
        exit 1
      fi
      BODY=$body wrk -t2 -c"$connections" -d2s -s bench/post.lua "$base/graphql" >/dev/null   # warm-up
      before=$(statements "$base")
      out=$(BODY=$body wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/post.lua "$base/graphql")
      after=$(statements "$base")
      requests=$(echo "$out" | awk '/requests in/ { print $1 }')
      rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
      p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
      p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
      # Non-2xx responses plus connect, read, write and timeout errors.
      failed=$(echo "$out" | awk '/Non-2xx/ { n += $5 }
        /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }')
      per=$(awk -v s=$((after - before)) -v r="$requests" 'BEGIN { printf "%.2f", s / r }')
      printf '%-10s %-22s %10s %9s %9s %11s %7s\n' "$backend" "$name" "$rps" "$p50" "$p99" "$per" "$failed"
      [ "$failed" -eq 0 ] || echo "!!! $failed failed responses for $backend $name" >&2
    done

    kill "$server"; wait "$server" 2>/dev/null || true; server=
  done
}
