# Tasks of the auth service. `./just` runs the pinned just, installing it first when missing.
# `just --list` shows these recipes with the comment above each one.

set shell := ["bash", "-euo", "pipefail", "-c"]
set positional-arguments

# Synthesize CloudFormation into out/: `just synth env=prod`, several environments, or every one (the default).
synth *environments:
    @cargo run --quiet --locked --release -p synth -- "$@"

# Fail, naming the files, when out/ differs from a fresh synth.
synth-check:
    @cargo run --quiet --locked --release -p synth -- --check

# Run every check: formatting, clippy, Rust tests (against moto), synth --check, cfn-lint, deploy and end-to-end tests.
test: _python-tools
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    scripts/with-moto.sh cargo test --workspace --locked
    cargo run --quiet --locked -p synth -- --check
    .venv/bin/cfn-lint -- out/bootstrap.template.json out/*/auth.template.json
    .venv/bin/python -m pytest tests

# Run the service on http://127.0.0.1:9000 against a local AWS endpoint (moto), rebuilding on changes.
dev *arguments: _python-tools
    .venv/bin/python scripts/local_service.py "$@"

# Print PBKDF2-HMAC-SHA256 timings: the service's hash beside OpenSSL's and the SHA-256 serial limit.
bench: _python-tools
    cargo bench --locked -p service --bench pbkdf2

# Check formatting, clippy and the generated templates.
lint: _python-tools
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    .venv/bin/cfn-lint -- out/bootstrap.template.json out/*/auth.template.json

# Create .venv with the pinned Python tools, unless it is current.
_python-tools:
    scripts/venv.sh
