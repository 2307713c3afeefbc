"""A real S3-protocol server for tests (moto's ThreadedMotoServer) on a free 127.0.0.1 port."""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "tenantry-test", "AWS_SECRET_ACCESS_KEY": "tenantry-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class S3Server:
    endpoint_url: str
    server: object

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def new_bucket(self) -> str:
        name = f"tenantry-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def object_names(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def stop(self) -> None:
        self.server.stop()


def start_s3_server() -> S3Server:
    """Start moto's S3 server on a port the OS picks; the app's boto3 reads the test credentials from the environment."""
    from moto.server import ThreadedMotoServer

    os.environ.update(CREDENTIALS)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per S3 request on the console
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return S3Server(f"http://{host}:{port}", server)
