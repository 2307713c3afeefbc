"""The baseline of `api_throughput.py`: a bare Flask app answering a small JSON object.

Served by gunicorn with exactly the portal's settings, so the ratio portal/bare measures what the
portal's own work (authentication, tenant resolution, metering, the view) costs on top of Flask.
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/api/v1/tenants/current")
def current():
    return jsonify({"id": "tnt_0000000000000000", "slug": "bench", "name": "Bench", "status": "active"})
