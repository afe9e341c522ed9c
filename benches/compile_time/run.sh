#!/usr/bin/env bash
# Compile-time comparison: #[apishield::secure_request] against
# serde derive + validator derive.
#
# Usage:
#   benches/compile_time/run.sh            # from anywhere; needs cargo on PATH
#
# Environment (all optional):
#   N=100          request structs per crate (each with its own Address type)
#   RUNS=3         timed builds per crate; the median is reported
#   KEEP=1         keep the temporary directory (its path is printed)
#   CARGO_INCREMENTAL=0|1
#                  default 0: each timed build recompiles the whole crate
#                  (macro expansion, type checking and codegen). Set 1 to
#                  measure the incremental edit-rebuild loop instead.
#
# It generates two throwaway crates in a temporary directory, each with N
# structs shaped like apishield-benches' CreateUser (name, email, age, role,
# 20-item tags, optional nested Address) under distinct names:
#   shield/     #[apishield::secure_request], path dependency on this
#               repository's runtime/ crate
#   validator/  #[derive(serde::Deserialize, validator::Validate)]
# Both share one CARGO_TARGET_DIR, and reuse this workspace's Cargo.lock so
# dependency versions match. Each crate is built once to warm its
# dependencies; then, RUNS times, src/lib.rs is touched and `cargo build`
# (debug) of that crate alone is timed. Prints the median seconds per crate
# and the ratio apishield/validator. Timings on a shared machine are noisy.

set -euo pipefail

N="${N:-100}"
RUNS="${RUNS:-3}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
RUNTIME="$REPO/runtime"
[[ -f "$RUNTIME/Cargo.toml" ]] || { echo "error: no apishield runtime crate at $RUNTIME" >&2; exit 1; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/apishield-compile-time.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "keeping $TMP"
else
    trap 'rm -rf "$TMP"' EXIT
fi
export CARGO_TARGET_DIR="$TMP/target"

# The validator version the workspace pins ("0.21" from `validator = { version = "0.21", ... }`).
VALIDATOR_VERSION="$(sed -n 's/^validator = { version = "\([^"]*\)".*/\1/p' "$REPO/Cargo.toml")"
VALIDATOR_VERSION="${VALIDATOR_VERSION:-0.21}"

# --------------------------------------------------------------- generation

new_crate() { # name, dependency lines
    local dir="$TMP/$1"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "compile-time-$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$2

# A workspace of its own, never part of an enclosing one.
[workspace]
TOML
    [[ -f "$REPO/Cargo.lock" ]] && cp "$REPO/Cargo.lock" "$dir/Cargo.lock"
    echo "$dir"
}

gen_shield() {
    local i
    echo '//! Generated: '"$N"' #[secure_request] structs.'
    echo 'use apishield::secure_request;'
    for ((i = 0; i < N; i++)); do
        cat <<RS

#[secure_request]
pub struct CreateUser$i {
    #[shield(len = 1..=100, trim)]
    pub name: String,
    #[shield(email)]
    pub email: String,
    #[shield(range = 13..=150)]
    pub age: u8,
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    pub role: String,
    #[shield(max_items = 20, each(len = 1..=32))]
    pub tags: Vec<String>,
    pub address: Option<Address$i>,
}

#[secure_request]
pub struct Address$i {
    #[shield(len = 1..=200)]
    pub street: String,
    #[shield(len = 1..=100)]
    pub city: String,
    #[shield(len = 3..=10)]
    pub zip: String,
    #[shield(len = 2..=2)]
    pub country: String,
}
RS
    done
}

gen_validator() {
    local i
    cat <<'RS'
//! Generated: serde + validator derives.
use serde::Deserialize;
use validator::{Validate, ValidationError};

fn not_blank(name: &str) -> Result<(), ValidationError> {
    if name.trim().is_empty() { Err(ValidationError::new("blank")) } else { Ok(()) }
}

fn role_allowed(role: &str) -> Result<(), ValidationError> {
    if ["user", "viewer"].contains(&role) { Ok(()) } else { Err(ValidationError::new("one_of")) }
}

fn tags_each_len(tags: &[String]) -> Result<(), ValidationError> {
    if tags.iter().all(|t| (1..=32).contains(&t.chars().count())) {
        Ok(())
    } else {
        Err(ValidationError::new("item_length"))
    }
}
RS
    for ((i = 0; i < N; i++)); do
        cat <<RS

#[derive(Deserialize, Validate)]
pub struct CreateUser$i {
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub name: String,
    #[validate(email, length(max = 254))]
    pub email: String,
    #[validate(range(min = 13, max = 150))]
    pub age: u8,
    #[validate(custom(function = "role_allowed"))]
    pub role: String,
    #[validate(length(max = 20), custom(function = "tags_each_len"))]
    pub tags: Vec<String>,
    #[validate(nested)]
    pub address: Option<Address$i>,
}

#[derive(Deserialize, Validate)]
pub struct Address$i {
    #[validate(length(min = 1, max = 200))]
    pub street: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    #[validate(length(min = 3, max = 10))]
    pub zip: String,
    #[validate(length(min = 2, max = 2))]
    pub country: String,
}
RS
    done
}

SHIELD_DIR="$(new_crate shield "apishield = { path = \"$RUNTIME\" }")"
VALIDATOR_DIR="$(new_crate validator "serde = { version = \"1\", features = [\"derive\"] }
validator = { version = \"$VALIDATOR_VERSION\", features = [\"derive\"] }")"
gen_shield >"$SHIELD_DIR/src/lib.rs"
gen_validator >"$VALIDATOR_DIR/src/lib.rs"

# ----------------------------------------------------------------- timing

now() { date +%s.%N; }

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

time_crate() { # dir, label; prints the median on stdout, progress on stderr
    local dir="$1" label="$2" times=() run start end
    echo "== $label: warm-up build (dependencies)" >&2
    (cd "$dir" && cargo build --quiet) >&2
    for ((run = 1; run <= RUNS; run++)); do
        # Make sure only the generated crate is stale (a dependency edited
        # meanwhile, e.g. in this repository, is rebuilt here, untimed).
        (cd "$dir" && cargo build --quiet) >&2
        touch "$dir/src/lib.rs"
        start="$(now)"
        (cd "$dir" && cargo build --quiet) >&2
        end="$(now)"
        times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
        echo "   run $run: ${times[-1]} s" >&2
    done
    median "${times[@]}"
}

echo "N=$N structs (+ $N Address types) per crate, RUNS=$RUNS, CARGO_INCREMENTAL=$CARGO_INCREMENTAL, target dir $CARGO_TARGET_DIR" >&2
SHIELD_S="$(time_crate "$SHIELD_DIR" "apishield (#[secure_request])")"
VALIDATOR_S="$(time_crate "$VALIDATOR_DIR" "serde + validator derives")"

echo
printf 'apishield  median: %.3f s\n' "$SHIELD_S"
printf 'validator  median: %.3f s\n' "$VALIDATOR_S"
awk -v a="$SHIELD_S" -v b="$VALIDATOR_S" 'BEGIN { printf "ratio apishield/validator: %.2f\n", a / b }'
