"""The peer for http_client.py: a small HTTPS server on python's http.server,
run by the case script on the SYSTEM libssl (never the drop-in). GET serves
files from DIR; POST answers with the sha256 of the request body. Prints
"PORT <n>" once listening, then serves until killed.

    https_server.py DIR CERT_CHAIN KEY
"""
import functools
import hashlib
import http.server
import signal
import ssl
import sys

# SIGTERM (the case script's stop) ends the process normally, so that exit
# handlers run (the coverage build's counters are written at exit).
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

directory, chain, key = sys.argv[1:4]


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = (hashlib.sha256(body).hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, fmt, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=directory))
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
