"""Runs the service locally: moto's server as the AWS endpoint, with the users table and the
signing-key secret created, and the `bootstrap` binary under `cargo lambda watch`, which
emulates the Lambda runtime API and an HTTP front on 127.0.0.1.

`just dev` runs this file; the end-to-end tests import it.
"""

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
REGION = "us-east-1"
TABLE = "auth-local-users"
SECRET = "auth/local/signing-key"
AUDIENCE = "auth-local"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait until `url` returns any HTTP status, failing early if `process` exits. A request
    that connects waits for the rest of the timeout, because `cargo lambda watch` holds it
    until the function is built, and each abandoned request would reach the function later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}; see {log}")
        try:
            urllib.request.urlopen(url, timeout=max(deadline - time.monotonic(), 1))
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not respond within {timeout:.0f} s; see {log}")


def start_moto(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=open(log, "w", encoding="utf-8"),
        stderr=subprocess.STDOUT,
    )
    wait_for_http(f"http://127.0.0.1:{port}/moto-api/", process, 30, log)
    return process


def create_resources(endpoint: str, table: str = TABLE, secret: str = SECRET) -> str:
    """Create the users table and the signing-key secret, as the stack would, and return the
    secret's ARN."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    session.client("dynamodb", endpoint_url=endpoint).create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    created = session.client("secretsmanager", endpoint_url=endpoint).create_secret(
        Name=secret, SecretString=secrets.token_urlsafe(48)
    )
    return created["ARN"]


def check_port_free(port: int) -> None:
    """Fail when something already listens on the port, which would answer for the service."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise RuntimeError(f"port {port} of 127.0.0.1 is in use ({error}); pass --port") from error


def function_environment(aws_endpoint: str, secret_arn: str, issuer: str, table: str = TABLE,
                         iterations: int = 600_000, log_level: str = "info") -> dict:
    """Return the variables that the stack sets on the function, plus the SDK's endpoint and
    test credentials for moto."""
    return {
        "USERS_TABLE_NAME": table,
        "SIGNING_KEY_SECRET_ARN": secret_arn,
        "TOKEN_ISSUER": issuer,
        "TOKEN_AUDIENCE": AUDIENCE,
        "TOKEN_LIFETIME_SECONDS": "900",
        "PBKDF2_ITERATIONS": str(iterations),
        "RUST_LOG": log_level,
        "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH": "true",
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
    }


def watch_environment() -> dict:
    """Return the environment of `cargo lambda watch` itself: the caller's, with the venv on
    PATH and without RUST_LOG, which is the function's setting. At trace level, cargo lambda
    would log each change to its own log file, which it watches, without end."""
    environment = {name: value for name, value in os.environ.items() if name != "RUST_LOG"}
    environment["PATH"] = f"{BIN}:{os.environ.get('PATH', '')}"
    return environment


def start_service(port: int, environment: dict, log: Path, reload: bool = False) -> subprocess.Popen:
    """Start `cargo lambda watch` on 127.0.0.1 in its own process group, which stop() ends
    with the cargo and bootstrap processes it starts. With `reload`, it rebuilds and restarts
    the function when a file of the service crate changes."""
    variables = ",".join(f"{name}={value}" for name, value in environment.items())
    reload_flags = [] if reload else ["--ignore-changes"]
    process = subprocess.Popen(
        [
            str(BIN / "cargo-lambda"), "lambda", "watch",
            "--invoke-address", "127.0.0.1", "--invoke-port", str(port),
            "--disable-cors", *reload_flags,
            "--package", "service", "--bin", "bootstrap",
            "--env-var", variables,
        ],
        cwd=ROOT,
        stdout=open(log, "w", encoding="utf-8"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=watch_environment(),
    )
    # The first request waits for cargo to build the function, which on a fresh checkout
    # takes minutes.
    wait_for_http(f"http://127.0.0.1:{port}/.well-known/jwks.json", process, 900, log)
    return process


def stop(process: subprocess.Popen) -> None:
    """End a process started here, and its process group if it has its own."""
    if process.poll() is not None:
        return
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()


def print_usage(base_url: str, aws_endpoint: str) -> None:
    user = '{"username": "alice", "password": "correct horse battery staple"}'
    print(f"""
The service is running at {base_url} (AWS endpoint: moto at {aws_endpoint}).

  curl -i -X POST {base_url}/users -H 'Content-Type: application/json' -d '{user}'
  curl -i -X POST {base_url}/tokens -H 'Content-Type: application/json' -d '{user}'
  curl -i -X DELETE {base_url}/users/alice -H "Authorization: Bearer $TOKEN"
  curl -i {base_url}/.well-known/jwks.json
  curl -i {base_url}/.well-known/openid-configuration

Set TOKEN to the access_token from POST /tokens. Press Ctrl-C to stop.
""", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000, help="the service's port on 127.0.0.1")
    parser.add_argument("--moto-port", type=int, default=0,
                        help="moto's port on 127.0.0.1; 0 picks a free one")
    # Outside the workspace, because cargo lambda watch rebuilds when a file in it changes.
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "auth-service-dev",
                        help="folder for the logs of moto and the function, outside the workspace")
    parser.add_argument("--log-level", default=os.environ.get("RUST_LOG", "info"),
                        help="the function's RUST_LOG, such as debug; defaults to $RUST_LOG or info")
    arguments = parser.parse_args()

    try:
        check_port_free(arguments.port)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    arguments.logs.mkdir(parents=True, exist_ok=True)
    moto_port = arguments.moto_port or free_port()
    aws_endpoint = f"http://127.0.0.1:{moto_port}"
    base_url = f"http://127.0.0.1:{arguments.port}"
    moto = start_moto(moto_port, arguments.logs / "moto.log")
    service = None
    try:
        secret_arn = create_resources(aws_endpoint)
        environment = function_environment(
            aws_endpoint, secret_arn, base_url, log_level=arguments.log_level
        )
        print(f"building and starting the function; its log is {arguments.logs / 'function.log'}",
              flush=True)
        service = start_service(
            arguments.port, environment, arguments.logs / "function.log", reload=True
        )
        print_usage(base_url, aws_endpoint)
        while service.poll() is None:
            time.sleep(1)
        print(f"cargo lambda watch exited with {service.returncode}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if service is not None:
            stop(service)
        stop(moto)


if __name__ == "__main__":
    sys.exit(main())
