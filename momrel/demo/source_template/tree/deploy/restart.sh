#!/bin/sh
# Restart the Momentry service from a release folder:
#
#     deploy/restart.sh BINARY ENV_FILE      e.g. target/release/momentry .env
#
# Stops the process whose pid is in $RUN_DIR/service.pid (if it still runs), starts
# `BINARY --env-file ENV_FILE` detached, and writes its pid there. RUN_DIR is
# $MOMENTRY_RUN_DIR, by default ../../run: a release folder sits two levels below the host's
# Momentry home (HOME/releases/v1.4.0), whose run/ outlives every release. The service's
# output is appended to $RUN_DIR/service.log.
set -eu
if [ "$#" -ne 2 ]; then
    echo "usage: $0 BINARY ENV_FILE" >&2
    exit 2
fi
binary=$1
env_file=$2
run_dir=${MOMENTRY_RUN_DIR:-../../run}
pid_file=$run_dir/service.pid

if [ ! -x "$binary" ]; then
    echo "restart.sh: $binary is not an executable (build it first)" >&2
    exit 1
fi
if [ ! -f "$env_file" ]; then
    echo "restart.sh: no env file $env_file" >&2
    exit 1
fi
mkdir -p "$run_dir"

if [ -f "$pid_file" ]; then
    old=$(cat "$pid_file")
    if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
        kill "$old"
        # Wait for it to exit, so the new process can listen on the same port; after 10 s, kill it.
        waited=0
        while kill -0 "$old" 2>/dev/null; do
            if [ "$waited" -ge 50 ]; then
                kill -9 "$old" 2>/dev/null || true
                break
            fi
            sleep 0.2
            waited=$((waited + 1))
        done
        echo "stopped pid $old"
    fi
    rm -f "$pid_file"
fi

nohup "$binary" --env-file "$env_file" >>"$run_dir/service.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"
echo "started $binary (pid $pid), log $run_dir/service.log"
