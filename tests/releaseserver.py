"""A real HTTP server on 127.0.0.1 that serves Flux release files at their release asset paths."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: A release the package does not embed; its file is the v2.9.4 upstream one relabelled (not a parity claim).
OTHER_VERSION = "v2.9.3"
EMBEDDED = "v2.9.4"


def relabelled(data: bytes, version: str = OTHER_VERSION) -> bytes:
    """An upstream v2.9.4 file as if it were the release ``version``."""
    return data.replace(f"app.kubernetes.io/version: {EMBEDDED}".encode(), f"app.kubernetes.io/version: {version}".encode())


def other_release(flux_data: Path) -> bytes:
    return relabelled((flux_data / EMBEDDED / "gotk-components.yaml").read_bytes())


class ReleaseServer(http.server.ThreadingHTTPServer):
    """Serves ``files`` (URL path to bytes) and records every path asked for."""

    files: dict[str, bytes]
    requests: list[str]

    @property
    def base(self) -> str:
        """What ``CDK8S_FLUX_RELEASES_URL`` is set to: ``<base>/download/<version>/install.yaml``."""
        return f"http://127.0.0.1:{self.server_address[1]}/releases"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ReleaseServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(releases: dict[str, bytes]) -> Iterator[ReleaseServer]:
    """A server holding each ``version: install.yaml bytes`` at ``/releases/download/<version>/install.yaml``."""
    httpd = ReleaseServer(("127.0.0.1", 0), _Handler)
    httpd.files = {f"/releases/download/{version}/install.yaml": data for version, data in releases.items()}
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
