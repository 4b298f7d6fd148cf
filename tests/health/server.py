#!/usr/bin/python3
"""Local servers for the health tests and the benchmark (127.0.0.1 only).

usage: server.py READY_FILE SPEC...
  SPEC is comma-separated key=value pairs:
    port=18001            (required; must be 18000-18099)
    mode=http|one|hang|full|dns
                          http: answer HTTP(S); one: answer HTTP(S) on the first
                          connection only (kept alive), then refuse every new one;
                          hang: accept and never answer;
                          full: a listener whose accept queue is full, so the
                          kernel drops every new SYN (a connect times out);
                          dns: answer UDP queries with an A record (and the
                          AAAA, CNAME, MX records given)
    status=200            HTTP status (http)
    status_file=PATH      read the status from this file at each request
    statuses=503/200      the status of each request in turn; the last one repeats
    body=TEXT             response body (http)
    cert=PEM,key=PEM      serve HTTPS with this certificate
    address=192.0.2.7     the A record's address (dns)
    address6=2001:db8::7  an AAAA record (dns)
    cname=NAME            a CNAME record (dns)
    mx=10 mail.example.test  an MX record (dns)
    rcode=0               the DNS rcode (dns; 3 = NXDOMAIN)
When every listener is bound, the names of the ports are written to READY_FILE.
The process serves until it is killed.
"""
import http.server
import socket
import socketserver
import ssl
import struct
import sys
import threading


def parse(spec):
    out = {}
    for item in spec.split(","):
        k, _, v = item.partition("=")
        out[k] = v
    port = int(out["port"])
    if not 18000 <= port <= 18099:
        raise SystemExit("port %d outside 18000-18099" % port)
    return out


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        spec = self.server.spec
        status = int(spec.get("status", "200"))
        if spec.get("statuses"):
            with self.server.lock:
                seq = spec["statuses"].split("/")
                status = int(seq[min(self.server.requests, len(seq) - 1)])
                self.server.requests += 1
        if spec.get("status_file"):
            with open(spec["status_file"]) as f:
                status = int(f.read().strip() or "200")
        body = spec.get("body", "ok").replace("ECHOHOST", "host=" + self.headers.get("Host", "")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Seen-Host", self.headers.get("Host", ""))
        self.end_headers()
        self.wfile.write(body)


class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def serve_http(spec):
    srv = Threaded(("127.0.0.1", int(spec["port"])), Quiet)
    srv.spec = spec
    srv.lock = threading.Lock()
    srv.requests = 0
    if spec.get("cert"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(spec["cert"], spec["key"])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    return srv, srv.serve_forever


def serve_one(spec):
    srv, _ = serve_http(spec)

    def run():
        conn, addr = srv.get_request()
        srv.socket.close()  # nothing listens any more: new connections are refused
        srv.process_request(conn, addr)  # a thread answers on this one while it lives
        threading.Event().wait()
    return srv, run


def serve_hang(spec):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(spec["port"])))
    s.listen(128)
    held = []

    def run():
        while True:
            conn, _ = s.accept()
            held.append(conn)  # never answered, never closed
    return s, run


def serve_full(spec):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(spec["port"])))
    s.listen(0)  # room for one connection, never accepted
    filler = socket.create_connection(("127.0.0.1", int(spec["port"])))

    def run():
        threading.Event().wait()  # the listener and the filler stay open for ever
        filler.close()
        s.close()
    return s, run


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def dns_rdata(qtype, spec):
    if qtype == 1:
        return socket.inet_aton(spec.get("address", "192.0.2.7"))
    if qtype == 28 and spec.get("address6"):
        return socket.inet_pton(socket.AF_INET6, spec["address6"])
    if qtype == 5 and spec.get("cname"):
        return wire_name(spec["cname"])
    if qtype == 15 and spec.get("mx"):
        pref, _, host = spec["mx"].partition(" ")
        return struct.pack(">H", int(pref)) + wire_name(host)
    return None


def dns_answer(query, spec):
    qid, flags, qd = struct.unpack(">HHH", query[:6])
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    qtype = struct.unpack(">H", query[end + 1:end + 3])[0]
    rcode = int(spec.get("rcode", "0"))
    answers = b""
    rdata = dns_rdata(qtype, spec) if rcode == 0 else None
    if rdata is not None:
        answers = b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rdata)) + rdata
    an = 1 if answers else 0
    head = struct.pack(">HHHHHH", qid, 0x8400 | rcode, 1, an, 0, 0)
    return head + question + answers


def serve_dns(spec):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(spec["port"])))

    def run():
        while True:
            data, peer = s.recvfrom(4096)
            try:
                s.sendto(dns_answer(data, spec), peer)
            except (IndexError, struct.error):
                pass
    return s, run


def main():
    ready = sys.argv[1]
    runners = []
    for arg in sys.argv[2:]:
        spec = parse(arg)
        mode = spec.get("mode", "http")
        make = {"http": serve_http, "one": serve_one, "hang": serve_hang, "full": serve_full,
                "dns": serve_dns}[mode]
        runners.append(make(spec)[1])
    for run in runners:
        threading.Thread(target=run, daemon=True).start()
    with open(ready + ".tmp", "w") as f:
        f.write("ready\n")
    import os
    os.rename(ready + ".tmp", ready)
    threading.Event().wait()


if __name__ == "__main__":
    main()
