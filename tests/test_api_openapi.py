"""The OpenAPI document: it names exactly the API's routes, and a schemathesis run
against the app in-process finds no server error and no response outside the schema."""
import os
import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api_helpers import API, basic, bearer
from factories import make_post, make_user
from tumblelog.models import POST_TYPES

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Cases per operation and per mode (valid and invalid input): 12 operations x 2 x 20
# keeps the run to several seconds on two cores. TUMBLELOG_FUZZ_EXAMPLES=500 digs deeper.
EXAMPLES = int(os.environ.get("TUMBLELOG_FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def openapi_path(rule):
    """``/api/v1/posts/<objectid:post_id>`` -> ``/posts/{post_id}``."""
    path = rule.rule.removeprefix(API)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)


def test_document_is_openapi_3_1(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": API}]


def test_every_route_is_documented_and_every_documented_route_exists(app, client):
    routes = {
        (openapi_path(rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - IGNORED_METHODS
    }
    paths = client.get(f"{API}/openapi.json").json["paths"]
    documented = {(path, method) for path, item in paths.items() for method in item if method != "parameters"}
    assert routes == documented


def test_write_operations_declare_bearer_auth(client):
    paths = client.get(f"{API}/openapi.json").json["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            if method in ("post", "patch", "delete") and path != "/tokens":
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert "401" in operation["responses"]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app):
    admin = make_user("root", is_admin=True)
    posts = [str(make_post(kind, author=admin, tags=["seed"]).id) for kind in POST_TYPES]
    client = app.test_client()

    def new_token():
        return client.post(f"{API}/tokens", headers=basic("root")).json["token"]

    token = new_token()
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    ran = []
    operations = [result.ok() for result in schema.get_all_operations()]

    def headers_for(operation):
        if operation.path == "/tokens" and operation.method == "post":
            return basic("root")
        if operation.path == "/tokens" and operation.method == "delete":
            return bearer(new_token())  # a token of its own to revoke
        return bearer(token)

    for operation in operations:
        # Operations that take no input have no invalid input to try.
        takes_input = bool(list(operation.iter_parameters())) or bool(operation.body)
        for mode in schemathesis.GenerationMode if takes_input else [schemathesis.GenerationMode.POSITIVE]:
            strategy = operation.as_strategy(mode)
            if "{post_id}" in operation.path:
                # Random ids only ever find nothing; half the cases aim at real posts.
                real = st.sampled_from(posts).flatmap(
                    lambda post_id: operation.as_strategy(mode, path_parameters={"post_id": post_id})
                )
                strategy = st.one_of(strategy, real)

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                ran.append(operation.label)
                # schemathesis asks for compression as requests does, but its WSGI
                # transport hands the body over undecoded: ask for it plain.
                headers = {**headers_for(operation), "Accept-Encoding": "identity"}
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()

    print(f"schemathesis ran {len(ran)} cases over {len(set(ran))} operations")
    assert set(ran) == {operation.label for operation in operations}


def test_documented_post_fields_are_the_forms_fields(app, client):
    """The document's request bodies name exactly what each post form takes."""
    from wtforms import FileField

    schemas = client.get(f"{API}/openapi.json").json["components"]["schemas"]
    for post_type, model in POST_TYPES.items():
        with app.test_request_context():
            form = model.form_class(meta={"csrf": False}, formdata=None)
        fields = {field.name for field in form.content_fields() if not isinstance(field, FileField)}
        documented = schemas[f"New{post_type.title()}Post"]["properties"]
        assert set(documented) == fields | set(form.PUBLISHING_FIELDS) | {"type"}, post_type
