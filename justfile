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

# Run every check: the lints, Rust tests (against moto), synth --check, and the deploy, operations and end-to-end tests.
test: lint
    scripts/with-moto.sh cargo test --workspace --locked
    cargo run --quiet --locked -p synth -- --check
    .venv/bin/python -m pytest tests

# Run the service on http://127.0.0.1:9000 against a local AWS endpoint (moto), rebuilding on changes.
dev *arguments: _python-tools
    .venv/bin/python scripts/local_service.py "$@"

# Print PBKDF2-HMAC-SHA256 timings: the service's hash beside OpenSSL's and the SHA-256 serial limit.
bench: _python-tools
    cargo bench --locked -p service --bench pbkdf2

# Check formatting, clippy, and the generated templates with cfn-lint and checkov.
lint: _python-tools
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
    .venv/bin/cfn-lint -- out/bootstrap.template.json out/*/auth.template.json
    scripts/checkov.sh

# Build the function's zip with cargo lambda (arch=arm64 for Graviton) and print its path, size and SHA-256.
build *options: _python-tools
    @.venv/bin/python scripts/ops.py build "$@"

# Deploy the account's bootstrap stack (artifact bucket, API Gateway logging role): `just bootstrap env=dev`.
bootstrap *options: _python-tools
    @.venv/bin/python scripts/ops.py bootstrap "$@"

# Check out/, build, upload the zip under its SHA-256 and deploy the stack: `just deploy env=prod`.
deploy *options: _python-tools
    @.venv/bin/python scripts/ops.py deploy "$@"

# Print what a deploy would change, and fail if it would replace a table, secret or bucket.
diff *options: _python-tools
    @.venv/bin/python scripts/ops.py diff "$@"

# Tail the function's logs: `just logs env=prod`.
logs *options: _python-tools
    @.venv/bin/python scripts/ops.py logs "$@"

# Delete an environment's stack; one that retains data needs confirm=<env>.
destroy *options: _python-tools
    @.venv/bin/python scripts/ops.py destroy "$@"

# Create .venv with the pinned Python tools, unless it is current.
_python-tools:
    @scripts/venv.sh
