# Shared by scripts/install and scripts/test: installs, on Debian or Ubuntu,
# the system packages named in "$@" that are missing, and a Rust toolchain
# recent enough for Cargo.toml's rust-version when cargo is missing or too
# old (Debian 12's packaged cargo is 1.63). Sourced, not run.

# The minimum Rust version, read from Cargo.toml so it is said once.
rust_min=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install CMD:PACKAGE... installs PACKAGE when CMD is not on PATH.
apt_install() {
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: ${missing[*]} (install them with your package manager)" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq "${missing[@]}" >/dev/null
}

# version_at_least HAVE WANT: true when HAVE >= WANT (dotted numbers).
version_at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

ensure_rust() {
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  local have=""
  if command -v rustc >/dev/null 2>&1 && command -v cargo >/dev/null 2>&1; then
    have=$(rustc --version | awk '{print $2}')
    if version_at_least "$have" "$rust_min"; then return 0; fi
    echo "rustc $have is older than the $rust_min this crate needs"
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup toolchain install stable --profile minimal -c clippy,rustfmt
    rustup default stable
  else
    apt_install curl:curl update-ca-certificates:ca-certificates
    echo "installing Rust with rustup (https://rustup.rs) into ~/.cargo"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
      sh -s -- -y --profile minimal --default-toolchain stable -c clippy,rustfmt
  fi
  . "$HOME/.cargo/env"
  have=$(rustc --version | awk '{print $2}')
  version_at_least "$have" "$rust_min" || { echo "rustc $have is still older than $rust_min" >&2; return 1; }
}

# The test script also needs rustfmt and clippy.
ensure_rust_lints() {
  cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1 && return 0
  if command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt clippy
  else
    apt_install rustfmt:rustfmt cargo-clippy:rust-clippy
  fi
}
