"""The OpenAPI document describes every /api/v1 route, once, and is served publicly."""

from __future__ import annotations

import re

from app.api.openapi import build_document


def test_document_is_openapi_3_1_and_public(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_api_route_is_documented_and_nothing_else(server_app):
    with server_app.app_context():
        document = build_document()
    documented = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method != "parameters"}
    served = set()
    for rule in server_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_operation_ids_are_unique(server_app):
    with server_app.app_context():
        document = build_document()
    ids = [op["operationId"] for item in document["paths"].values() for key, op in item.items()
           if key != "parameters"]
    assert len(ids) == len(set(ids))
