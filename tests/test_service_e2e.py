"""The service end to end: the `bootstrap` binary under `cargo lambda watch`, which emulates the
Lambda runtime API, against moto, driven over HTTP. PyJWT, which this project did not write,
verifies the issued token against the key set the service publishes.

`cargo lambda watch` sends Lambda function URL events, not API Gateway REST events; the
handler tests in service/tests cover those.
"""

import json
import sys
import urllib.error
import urllib.request
import uuid

import jwt
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import local_service  # noqa: E402

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def service(moto, tmp_path_factory):
    """The function under `cargo lambda watch` on a free port, with its own table and secret."""
    logs = tmp_path_factory.mktemp("service")
    suffix = uuid.uuid4().hex[:8]
    table = f"e2e-users-{suffix}"
    secret_arn = local_service.create_resources(moto.endpoint, table, f"e2e/signing-key/{suffix}")
    port = local_service.free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The most verbose level, so the log test sees everything the function could write.
    environment = local_service.function_environment(
        moto.endpoint, secret_arn, base_url, table, log_level="trace"
    )
    process = local_service.start_service(port, environment, logs / "function.log")
    yield base_url, logs / "function.log"
    local_service.stop(process)


@pytest.fixture(scope="module")
def base_url(service):
    return service[0]


def call(base_url: str, method: str, path: str, body=None, headers=None):
    """Send a request and return (status, headers, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, response_headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, text = error.code, error.headers, error.read()
    return status, response_headers, json.loads(text) if text else None


def verify(base_url: str, token: str) -> dict:
    """Verify a token with PyJWT against the service's discovery document and key set."""
    status, _, discovery = call(base_url, "GET", "/.well-known/openid-configuration")
    assert status == 200
    with urllib.request.urlopen(discovery["jwks_uri"], timeout=30) as response:
        key_set = jwt.PyJWKSet.from_dict(json.load(response))
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    key = next(key for key in key_set.keys if key.key_id == header["kid"])
    return jwt.decode(
        token,
        key.key,
        algorithms=["EdDSA"],
        audience=local_service.AUDIENCE,
        issuer=discovery["issuer"],
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
    )


def test_token_verifies_with_pyjwt(base_url):
    service = base_url
    username = f"alice-{uuid.uuid4().hex[:6]}"
    status, _, created = call(service, "POST", "/users", {"username": username.upper(), "password": PASSWORD})
    assert status == 201
    assert created["username"] == username

    status, headers, issued = call(service, "POST", "/tokens", {"username": username, "password": PASSWORD})
    assert status == 200
    assert issued["token_type"] == "Bearer"
    assert headers["Cache-Control"] == "no-store"

    claims = verify(service, issued["access_token"])
    assert claims["sub"] == username
    assert claims["iss"] == service
    assert claims["exp"] - claims["iat"] == issued["expires_in"]


def test_tampered_token_fails_pyjwt_and_service(base_url):
    service = base_url
    username = f"bob-{uuid.uuid4().hex[:6]}"
    call(service, "POST", "/users", {"username": username, "password": PASSWORD})
    _, _, issued = call(service, "POST", "/tokens", {"username": username, "password": PASSWORD})
    header, payload, signature = issued["access_token"].split(".")
    flipped = "A" if signature[0] != "A" else "B"
    tampered = f"{header}.{payload}.{flipped}{signature[1:]}"
    with pytest.raises(jwt.InvalidSignatureError):
        verify(service, tampered)
    status, _, body = call(service, "DELETE", f"/users/{username}", headers={"Authorization": f"Bearer {tampered}"})
    assert status == 404
    assert body["error"] == "authentication_failed"


def test_failures_are_identical(base_url):
    service = base_url
    username = f"carol-{uuid.uuid4().hex[:6]}"
    call(service, "POST", "/users", {"username": username, "password": PASSWORD})
    wrong = call(service, "POST", "/tokens", {"username": username, "password": "not the right one"})
    unknown = call(service, "POST", "/tokens", {"username": f"nobody-{uuid.uuid4().hex[:6]}", "password": PASSWORD})
    assert wrong[0] == 404
    assert unknown[0] == 404
    assert wrong[2] == unknown[2]
    assert wrong[1]["Content-Type"] == unknown[1]["Content-Type"]


def test_delete_then_delete_again(base_url):
    service = base_url
    username = f"dave-{uuid.uuid4().hex[:6]}"
    call(service, "POST", "/users", {"username": username, "password": PASSWORD})
    _, _, issued = call(service, "POST", "/tokens", {"username": username, "password": PASSWORD})
    authorization = {"Authorization": f"Bearer {issued['access_token']}"}
    assert call(service, "DELETE", f"/users/{username}", headers=authorization)[0] == 204
    again = call(service, "DELETE", f"/users/{username}", headers=authorization)
    assert again[0] == 404
    assert again[2]["error"] == "authentication_failed"


def test_request_rules_over_http(base_url):
    service = base_url
    status, headers, body = call(service, "GET", "/users")
    assert status == 405
    assert headers["Allow"] == "POST"
    assert body["error"] == "method_not_allowed"
    assert call(service, "GET", "/nothing-here")[2]["error"] == "not_found"
    request = urllib.request.Request(f"{service}/users", data=b"username=x", method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 415


def test_trace_logs_hold_no_secrets(service):
    base_url, log = service
    username = f"erin-{uuid.uuid4().hex[:6]}"
    call(base_url, "POST", "/users", {"username": username, "password": PASSWORD})
    _, _, issued = call(base_url, "POST", "/tokens", {"username": username, "password": PASSWORD})
    token = issued["access_token"]
    call(base_url, "DELETE", f"/users/{username}", headers={"Authorization": f"Bearer {token}"})
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "cold start complete" in text
    assert "authentication attempt" in text
    assert PASSWORD not in text
    assert token.split(".")[2] not in text
    assert "$pbkdf2-sha256$" not in text
