"""http.client over HTTPS, verified against a CA file: a POST of BYTES random
bytes (the server answers with their sha256) and a GET of PATH on the same
connection. Prints "POST <status> <server's sha256> <our sha256>" and
"GET <status> <bytes> <sha256>".

    http_client.py HOST PORT CAFILE BYTES PATH
"""
import hashlib
import http.client
import os
import ssl
import sys

host, port, cafile, size, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
ctx = ssl.create_default_context(cafile=cafile)
try:
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=60)
    body = os.urandom(size)
    conn.request("POST", "/echo-sha256", body=body, headers={"Content-Type": "application/octet-stream"})
    resp = conn.getresponse()
    print("POST", resp.status, resp.read().decode().strip(), hashlib.sha256(body).hexdigest())
    conn.request("GET", path)
    resp = conn.getresponse()
    data = resp.read()
    print("GET", resp.status, len(data), hashlib.sha256(data).hexdigest())
    print("TLS", conn.sock.version(), conn.sock.cipher()[0])
    conn.close()
except Exception as e:
    print("ERROR", type(e).__name__, e)
    sys.exit(1)
