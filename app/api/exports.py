"""JSON API: data export. Ask for the organisation's zip, follow its progress, download it (issue 17)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import Response, jsonify, request, stream_with_context, url_for
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, ResponseBody, schemas
from app.api.openapi import TENANT_REF, json_response, list_schema, ref, tenant_responses
from app.api.params import page_body, paging_args, path_int
from app.models import EXPORT_STATUSES, DataExport
from app.services import exports, storage
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

ExportStatus = StrEnum("ExportStatus", {status: status for status in EXPORT_STATUSES})


class Export(ResponseBody):
    id: int
    status: ExportStatus = Field(description="`queued`, `running`, `done` (downloadable), `failed` or `expired`.")
    progress: int = Field(ge=0, le=100, description="Percent built.")
    step: str = Field(description="The part being written while running (`members`, `documents`, ...).")
    requested_by: str
    size_bytes: int | None
    error: str | None
    created_at: Moment
    finished_at: MaybeMoment
    expires_at: MaybeMoment = Field(description="When the zip is removed (24 h after it was built).")
    download_url: str | None = Field(description="While done: a signed link, valid 24 h, for this tenant only.")


def export_json(export: DataExport) -> dict[str, Any]:
    link = None
    if exports.is_downloadable(export):
        link = url_for("api.download_export", tenant_ref=current_tenant.id, export_id=export.id,
                       token=exports.sign_download(export.tenant_id, export.id), _external=True)
    return Export(id=export.id, status=export.status, progress=export.progress, step=export.step,
                  requested_by=export.requested_by_label, size_bytes=export.size_bytes, error=export.error,
                  created_at=export.created_at, finished_at=export.finished_at, expires_at=export.expires_at,
                  download_url=link).model_dump(mode="json")


def _export_id(value: str) -> int:
    return path_int(value, NotFound(gettext("Export not found."), code="export_not_found"))


@bp.tenant("/exports", "data.export")
def list_exports():
    """Newest first."""
    page, per_page = paging_args(default_per_page=10)
    return jsonify(page_body(exports.list_exports(current_tenant, page, per_page), export_json))


@bp.tenant("/exports", "data.export", methods=["POST"])
def request_export():
    export = exports.request(current_tenant._get_current_object(), current_authority())
    response = jsonify(export_json(exports.get_export(current_tenant, export.id)))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_export", tenant_ref=current_tenant.id, export_id=export.id)
    return response


@bp.tenant("/exports/<export_id>", "data.export")
def get_export(export_id: str):
    return jsonify(export_json(exports.get_export(current_tenant, _export_id(export_id))))


@bp.tenant("/exports/<export_id>/download", "data.export")
def download_export(export_id: str):
    """The zip, if `token` is a valid link to this export (signed for this tenant, under 24 h old)."""
    wanted = _export_id(export_id)
    token = request.args.get("token", "")
    if exports.verify_download(current_tenant.id, token) != wanted:
        raise NotFound(gettext("This download link is not valid or has expired; request a new export."),
                       code="export_link_invalid")
    export, stream = exports.open_download(current_tenant._get_current_object(), token, current_authority())
    return zip_response(export, stream)


def zip_response(export: DataExport, stream) -> Response:
    """The export's zip as an attachment, streamed from storage (shared with the portal's download)."""
    name = f"{current_tenant.slug}-export-{export.id}.zip"

    def chunks():
        with stream:
            while chunk := stream.read(storage.CHUNK):
                yield chunk

    return Response(stream_with_context(chunks()), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
                             "Content-Length": str(export.size_bytes or 0)})


OPENAPI_COMPONENTS = schemas(Export)

_EXPORT_ID = {"name": "export_id", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": "The export's id."}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/exports": {
        "get": {
            "operationId": "listExports", "tags": ["exports"], "summary": "The tenant's data exports, newest first.",
            "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of exports.", list_schema(ref("Export"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "requestExport", "tags": ["exports"],
            "summary": "Ask for the organisation's data as one zip (owners; open while the tenant is read-only). "
                       "A background job builds it: follow `GET .../exports/{export_id}` until `done`.",
            "parameters": [TENANT_REF],
            "responses": {"202": json_response("The export, queued.", ref("Export")), **tenant_responses(),
                          "409": {"$ref": "#/components/responses/Conflict"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/exports/{export_id}": {"get": {
        "operationId": "getExport", "tags": ["exports"],
        "summary": "An export's status and progress, and its signed `download_url` once done.",
        "parameters": [TENANT_REF, _EXPORT_ID],
        "responses": {"200": json_response("The export.", ref("Export")), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/exports/{export_id}/download": {"get": {
        "operationId": "downloadExport", "tags": ["exports"],
        "summary": "The export's zip (JSON and CSV per part, documents as files). The `token` of its "
                   "`download_url` is required; a forged, expired or other tenant's link is 404.",
        "parameters": [TENANT_REF, _EXPORT_ID,
                       {"name": "token", "in": "query", "required": True,
                        "schema": {"type": "string", "maxLength": 500}}],
        "responses": {"200": {"description": "The zip.",
                              "content": {"application/zip": {"schema": {"type": "string",
                                                                         "contentMediaType": "application/zip"}}}},
                      **tenant_responses()},
    }},
}

OPENAPI_LINKS = [
    ("requestExport", "202", {"export_id": "$response.body#/id"}, ("getExport", "downloadExport")),
    ("listExports", "200", {"export_id": "$response.body#/items/0/id"}, ("getExport", "downloadExport")),
]
