"""Fixtures for tests against a local AWS endpoint: moto's standalone server on 127.0.0.1."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30

# Lines that moto's CloudFormation prints for each resource type it skips.
SKIP_MARKER = "No Moto CloudFormation support for "

# Resource types that moto 5.2.5's CloudFormation skips with a warning.
KNOWN_SKIPPED = {
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Stage",
    "AWS::CloudWatch::Alarm",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
}

# The resource types that moto skipped during this run, reported at the end.
SKIPPED_SEEN: set[str] = set()


def assert_only_known_skips(moto, since: int) -> None:
    """Record the types that moto skipped since a log offset, and fail on an unknown one."""
    skipped = moto.skipped_types(since)
    SKIPPED_SEEN.update(skipped)
    assert skipped <= KNOWN_SKIPPED, f"moto newly skips {sorted(skipped - KNOWN_SKIPPED)}"


def pytest_terminal_summary(terminalreporter):
    if SKIPPED_SEEN:
        terminalreporter.write_sep("-", "resource types that moto's CloudFormation skipped")
        terminalreporter.write_line(", ".join(sorted(SKIPPED_SEEN)))


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoServer:
    """A moto_server process on a free loopback port, with its log in a file."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"moto_server exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise RuntimeError(f"moto_server did not answer within {STARTUP_SECONDS} s")

    def reset(self) -> None:
        """Clear every resource, as moto leaves some behind after a stack delete."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def log_offset(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size

    def skipped_types(self, since: int) -> set[str]:
        """Return the resource types that moto's CloudFormation skipped after a log offset."""
        self._log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            log.seek(since)
            return {
                line.split(SKIP_MARKER, 1)[1].strip()
                for line in log
                if SKIP_MARKER in line
            }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    yield server
    server.stop()


class AwsCli:
    """The real `aws` command line, pointed at the local endpoint with dummy credentials."""

    def __init__(self, endpoint: str, home: Path):
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        }

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(BIN / "aws"), *arguments]
        result = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"`aws {' '.join(arguments)}` failed with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def json(self, *arguments: str):
        """Run a command and return its JSON output, or None when it prints nothing."""
        output = self.run(*arguments, "--output", "json").stdout
        return json.loads(output) if output.strip() else None


@pytest.fixture
def aws(moto, tmp_path):
    moto.reset()
    return AwsCli(moto.endpoint, tmp_path)
