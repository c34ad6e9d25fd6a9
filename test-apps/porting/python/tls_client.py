"""One TLS client connection the way python applications make them, printing
what python reports. MODE picks the context:

  default     ssl.create_default_context(cafile=CAFILE)
  unverified  ssl._create_unverified_context() (no CA file, no checks)
  tls1        default, with minimum_version = maximum_version = TLSv1
  tls1_1      the same with TLSv1_1
  proto-tls1  ssl.SSLContext(ssl.PROTOCOL_TLSv1) verifying against CAFILE
  min-tls1    default, with only minimum_version = TLSv1
  ciphers=S   default, then ctx.set_ciphers(S)

Prints "CONTEXT ..." (what the context reports), then "CONNECTED <version>
<cipher> aead=<bool> ..." or "REFUSED <exception type>: <message>".

    tls_client.py MODE HOST PORT [CAFILE]
"""
import socket
import ssl
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1 and PROTOCOL_TLSv1
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
cafile = sys.argv[4] if len(sys.argv) > 4 else None


def make_context():
    if mode == "unverified":
        return ssl._create_unverified_context()
    if mode == "proto-tls1":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile)
        return ctx
    ctx = ssl.create_default_context(cafile=cafile)
    if mode in ("tls1", "tls1_1"):
        v = ssl.TLSVersion.TLSv1 if mode == "tls1" else ssl.TLSVersion.TLSv1_1
        ctx.minimum_version = v
        ctx.maximum_version = v
    elif mode == "min-tls1":
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    elif mode.startswith("ciphers="):
        try:
            ctx.set_ciphers(mode[len("ciphers="):])
        except ssl.SSLError as e:
            print(f"SET_CIPHERS_REFUSED {e}")
            sys.exit(3)
    return ctx


ctx = make_context()
names = [c["name"] for c in ctx.get_ciphers()]
print(f"CONTEXT minimum_version={ctx.minimum_version.name} maximum_version={ctx.maximum_version.name}"
      f" ciphers={':'.join(names)}")
try:
    with socket.create_connection((host, port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            name, version, bits = s.cipher()
            aead = next((c["aead"] for c in ctx.get_ciphers() if c["name"] == name), None)
            chain = s._sslobj.get_verified_chain() if ctx.verify_mode != ssl.CERT_NONE else []
            unique = s.get_channel_binding("tls-unique")
            print(f"CONNECTED {s.version()} {name} aead={aead} bits={bits}"
                  f" verified_chain={len(chain)} tls_unique={len(unique) if unique else 0}")
except (ssl.SSLError, OSError) as e:
    print(f"REFUSED {type(e).__name__}: {e}")
    sys.exit(2)
