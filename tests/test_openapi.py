"""Checks docs/openapi.yaml: valid OpenAPI, the same routes and error codes as the code, and
examples that match their schemas.

The routes, operation IDs and error codes are read from the Rust sources with regular
expressions, which rely on the rustfmt layout of those files. A parse that finds nothing fails
the test, so a change of layout cannot make the checks pass vacuously.
"""

import re
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.yaml"
CONTRACT = ROOT / "contract" / "src" / "lib.rs"
SERVICE_ERRORS = ROOT / "service" / "src" / "error.rs"
GATEWAY_RESPONSES = ROOT / "synth" / "src" / "bin" / "synth" / "stacks" / "auth" / "api.rs"

ERROR_SCHEMA = "#/components/schemas/Error"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# The routes that the service serves, written out so that a change to the contract shows up
# here as well as in the document.
EXPECTED_ROUTES = {
    ("POST", "/users"),
    ("DELETE", "/users/{username}"),
    ("POST", "/tokens"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/openid-configuration"),
}


@pytest.fixture(scope="module")
def document():
    with DOCUMENT.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def resolve(document, node):
    """Follow a local `$ref` chain, such as `#/components/responses/UserExists`."""
    while isinstance(node, dict) and "$ref" in node:
        reference = node["$ref"]
        assert reference.startswith("#/"), f"{reference} is not a local reference"
        node = document
        for key in reference[2:].split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
    return node


def inline(document, node):
    """Return a copy of a schema with every local `$ref` replaced by its target."""
    node = resolve(document, node)
    if isinstance(node, dict):
        return {key: inline(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(document, value) for value in node]
    return node


def operations(document):
    """Yield (method, path, operation) for every operation, with the method in upper case."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def is_error_status(status):
    """Return whether a response key is an error: a 4xx or 5xx code or range, or `default`."""
    return status == "default" or str(status)[0] in "45"


def contract_routes():
    """Read (method, path, operation ID) of every route in `auth_contract::ROUTES`."""
    source = CONTRACT.read_text(encoding="utf-8")
    constants = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', source))
    operation_ids = dict(re.findall(r'Operation::(\w+) => "(\w+)"', source))
    routes = set()
    pattern = (
        r'Route \{\s*method: Method::(\w+),\s*path: ("[^"]*"|\w+),'
        r"\s*operation: Operation::(\w+),"
    )
    for method, path, operation in re.findall(pattern, source):
        path = path.strip('"') if path.startswith('"') else constants[path]
        routes.add((method.upper(), path, operation_ids[operation]))
    return routes


def contract_route_count():
    """Read the length of the `ROUTES` array from its type, `[Route; N]`."""
    source = CONTRACT.read_text(encoding="utf-8")
    match = re.search(r"pub const ROUTES: \[Route; (\d+)\]", source)
    assert match, f"no `ROUTES` array in {CONTRACT}"
    return int(match.group(1))


def service_error_codes():
    """Read the code of each `ApiError` variant from `ApiError::code`, in source order."""
    source = SERVICE_ERRORS.read_text(encoding="utf-8")
    return re.findall(r'ApiError::\w+(?:\(_\))? => "(\w+)"', source)


def service_error_variants():
    """Read the variant names of `enum ApiError`."""
    source = SERVICE_ERRORS.read_text(encoding="utf-8")
    match = re.search(r"pub enum ApiError \{(.*?)\n\}", source, re.DOTALL)
    assert match, f"no `enum ApiError` in {SERVICE_ERRORS}"
    return re.findall(r"^    (\w+)[,(]", match.group(1), re.MULTILINE)


def gateway_error_codes():
    """Read the code of each gateway response that the stack configures, in source order."""
    source = GATEWAY_RESPONSES.read_text(encoding="utf-8")
    pattern = r'GatewayResponseType::\w+,\s*(?:Some\("\d+"\)|None),\s*"(\w+)"'
    return re.findall(pattern, source)


def gateway_response_count():
    """Count the gateway responses in the stack by their `GatewayResponseType::` values."""
    source = GATEWAY_RESPONSES.read_text(encoding="utf-8")
    return len(re.findall(r"GatewayResponseType::\w+", source))


def test_document_is_valid_openapi(document):
    validate(document)


def test_document_is_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")


def test_server_url_names_stage(document):
    urls = [server["url"] for server in document["servers"]]
    assert "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}" in urls


def test_contract_parse_finds_every_route():
    assert len(contract_routes()) == contract_route_count()


def test_routes_match_expected(document):
    documented = {(method, path) for method, path, _ in operations(document)}
    assert documented == EXPECTED_ROUTES


def test_routes_match_contract(document):
    documented = {(method, path) for method, path, _ in operations(document)}
    served = {(method, path) for method, path, _ in contract_routes()}
    assert documented == served


def test_operations_have_operation_id(document):
    for method, path, operation in operations(document):
        assert operation.get("operationId"), f"{method} {path} has no operationId"


def test_operation_ids_match_contract(document):
    documented = {
        (method, path, operation.get("operationId"))
        for method, path, operation in operations(document)
    }
    assert documented == contract_routes()


def test_operations_list_error_responses(document):
    for method, path, operation in operations(document):
        statuses = operation["responses"].keys()
        assert any(is_error_status(status) for status in statuses), f"{method} {path}"


def test_error_responses_use_error_schema(document):
    responses = [
        (f"{method} {path} {status}", response)
        for method, path, operation in operations(document)
        for status, response in operation["responses"].items()
        if is_error_status(status)
    ]
    responses += [
        (f"components/responses/{name}", response)
        for name, response in document["components"]["responses"].items()
    ]
    for where, response in responses:
        content = resolve(document, response).get("content", {})
        assert content, f"{where} has no body"
        for media_type, media in content.items():
            schema = media.get("schema", {})
            assert schema.get("$ref") == ERROR_SCHEMA, f"{where} {media_type}"


def test_error_responses_are_not_cached(document):
    for name, response in document["components"]["responses"].items():
        header = response.get("headers", {}).get("Cache-Control", {})
        assert resolve(document, header)["schema"]["const"] == "no-store", name


def test_error_codes_match_code(document):
    documented = set(document["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    assert documented == set(service_error_codes()) | set(gateway_error_codes())


def test_error_parse_finds_every_variant():
    assert len(service_error_codes()) == len(service_error_variants())


def test_gateway_parse_finds_every_response():
    assert len(gateway_error_codes()) == gateway_response_count()


def test_delete_user_requires_bearer(document):
    operation = document["paths"]["/users/{username}"]["delete"]
    assert operation.get("security") == [{"bearerAuth": []}]


def test_bearer_scheme_is_jwt(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"


def media_objects(document):
    """Yield (where, media type object) for every request and response body."""
    for method, path, operation in operations(document):
        request = resolve(document, operation.get("requestBody", {}))
        for media in request.get("content", {}).values():
            yield f"{method} {path} request", media
        for status, response in operation["responses"].items():
            for media in resolve(document, response).get("content", {}).values():
                yield f"{method} {path} {status}", media
    for name, response in document["components"]["responses"].items():
        for media in response.get("content", {}).values():
            yield f"components/responses/{name}", media


def test_examples_match_schemas(document):
    checked = 0
    for where, media in media_objects(document):
        schema = inline(document, media["schema"])
        validator = OAS31Validator(schema, format_checker=oas31_format_checker)
        for name, example in media.get("examples", {}).items():
            value = resolve(document, example)["value"]
            errors = [error.message for error in validator.iter_errors(value)]
            assert errors == [], f"{where} example {name}"
            checked += 1
    assert checked > 0


def test_bodies_have_examples(document):
    for where, media in media_objects(document):
        assert media.get("examples"), f"{where} has no examples"
