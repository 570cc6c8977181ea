"""mitmproxy addon for the end-to-end tests: a TLS-intercepting proxy that never leaves loopback.

Loaded by tests/support/proxy.rs as `mitmdump -s proxy_addon.py`, with
`connection_strategy=lazy` and `upstream_cert=false` so that mitmproxy opens no connection to
the host a client asked for before this addon has chosen where the request goes.

Options (`--set name=value`):

  harness_route  PREFIX=HOST:PORT, repeatable. A request whose host's first label is PREFIX
                 (`cloudhsmv2` for cloudhsmv2.eu-west-1.amazonaws.com) is relayed over plain
                 HTTP to HOST:PORT, its Host header untouched (the request is SigV4-signed
                 over it). A CONNECT to a host with no route is refused with 502, as a proxy
                 that cannot reach the host refuses it; a request with no route (plain HTTP,
                 or a Host that no route covers) is answered 502. Nothing else is ever dialled:
                 a server connection to an address that is not a route's is refused.
  harness_log    A file that gets one JSON object per line for each CONNECT ("kind":
                 "connect"), each request ("kind": "request") and each server connection the
                 proxy opens ("kind": "server_connect"). Proxy-Authorization is only recorded
                 as present or not, never its value.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Sequence

from mitmproxy import ctx, http
from mitmproxy.proxy import server_hooks

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/aws4_request")


class HarnessProxy:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, int]] = {}
        # The CONNECT target of each client connection, by connection id.
        self.tunnels: dict[str, str] = {}
        self.lock = threading.Lock()

    def load(self, loader) -> None:
        loader.add_option(
            "harness_route",
            Sequence[str],
            [],
            "PREFIX=HOST:PORT: relay requests whose host's first label is PREFIX "
            "to HOST:PORT over plain HTTP.",
        )
        loader.add_option(
            "harness_log",
            str,
            "",
            "File that gets one JSON line per CONNECT, request and server connection.",
        )

    def configure(self, updated) -> None:
        if "harness_route" in updated:
            routes = {}
            for spec in ctx.options.harness_route:
                prefix, sep, address = spec.partition("=")
                host, colon, port = address.rpartition(":")
                if not sep or not colon or not prefix or not host or not port.isdigit():
                    raise ValueError(f"harness_route {spec!r} is not PREFIX=HOST:PORT")
                routes[prefix] = (host, int(port))
            self.routes = routes

    # ---- hooks -------------------------------------------------------------------------------

    def http_connect(self, flow: http.HTTPFlow) -> None:
        target = f"{flow.request.host}:{flow.request.port}"
        self.tunnels[flow.client_conn.id] = target
        refused = flow.response.status_code if flow.response else None
        if refused is None and self.route_for(flow.request.host) is None:
            flow.response = http.Response.make(
                502,
                f"harness proxy: no route for {target}\n",
                {"Content-Type": "text/plain"},
            )
            refused = 502
        self.record(
            {
                "kind": "connect",
                "target": target,
                "proxy_authorization": self.presented_proxy_authorization(flow),
                "refused": refused,
            }
        )

    def request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        tunnel = self.tunnels.get(flow.client_conn.id)
        asked_host = request.host
        entry = {
            "kind": "request",
            "connect_target": tunnel,
            "sni": flow.client_conn.sni,
            "host": asked_host,
            "port": request.port,
            "scheme": request.scheme,
            "host_header": request.host_header,
            "method": request.method,
            "path": request.path,
            "target": request.headers.get("X-Amz-Target"),
            "action": self.action(request),
            "proxy_authorization": "Proxy-Authorization" in request.headers
            or (tunnel is None and "proxyauth" in flow.metadata),
            "routed_to": None,
            "forwarded_host_header": None,
            "refused": flow.response.status_code if flow.response else None,
        }
        entry.update(self.credential_scope(request.headers.get("Authorization", "")))
        if flow.response is None:
            # Route by what the client asked the proxy for: the CONNECT target if any.
            route_host = tunnel.rpartition(":")[0] if tunnel else asked_host
            upstream = self.route_for(route_host)
            if upstream is None:
                flow.response = http.Response.make(
                    502,
                    f"harness proxy: no route for {route_host}\n",
                    {"Content-Type": "text/plain"},
                )
                entry["refused"] = 502
            else:
                host_header = request.host_header
                # The host/port setters rewrite the Host header (or :authority): put it back.
                request.scheme = "http"
                request.host, request.port = upstream
                request.host_header = host_header
                entry["routed_to"] = f"{upstream[0]}:{upstream[1]}"
                entry["forwarded_host_header"] = request.host_header
        self.record(entry)

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        address = data.server.address
        allowed = address is not None and tuple(address) in set(self.routes.values())
        if not allowed:
            data.server.error = f"harness proxy: refusing to connect to {address}"
        self.record(
            {
                "kind": "server_connect",
                "address": f"{address[0]}:{address[1]}" if address else None,
                "refused": not allowed,
            }
        )

    # ---- helpers -----------------------------------------------------------------------------

    def route_for(self, host: str) -> tuple[str, int] | None:
        return self.routes.get(host.split(".", 1)[0])

    @staticmethod
    def presented_proxy_authorization(flow: http.HTTPFlow) -> bool:
        # mitmproxy's proxyauth runs first and removes a valid header, noting it in metadata.
        return "Proxy-Authorization" in flow.request.headers or "proxyauth" in flow.metadata

    @staticmethod
    def action(request: http.Request) -> str | None:
        if "Action" in request.query:
            return request.query["Action"]
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(request.get_text(strict=False) or "")
            values = form.get("Action")
            return values[0] if values else None
        return None

    @staticmethod
    def credential_scope(authorization: str) -> dict:
        found = CREDENTIAL.search(authorization)
        if not found:
            return {"access_key_id": None, "signing_region": None, "signing_service": None}
        return {
            "access_key_id": found.group(1),
            "signing_region": found.group(3),
            "signing_service": found.group(4),
        }

    def record(self, entry: dict) -> None:
        path = ctx.options.harness_log
        if not path:
            return
        with self.lock, open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")


addons = [HarnessProxy()]
