"""Session resumption as python applications do it: the first connection's
SSLSocket.session is given to the second. Each connection sends a line to an
`openssl s_server -rev` peer and reads the answer (a TLS 1.3 ticket arrives
after the handshake). Prints "FIRST <version> reused=<bool> ..." and
"SECOND <version> reused=<bool> same_id=<bool>".

    resume.py HOST PORT CAFILE [PORT2]

With PORT2 the second connection goes to another server (its own ticket
keys), which cannot resume the session: python must get a full handshake.
"""
import socket
import ssl
import sys

host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
port2 = int(sys.argv[4]) if len(sys.argv) > 4 else port
ctx = ssl.create_default_context(cafile=cafile)


def connect(session=None, to=port):
    with socket.create_connection((host, to), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=host, session=session) as s:
            s.sendall(b"resume\n")
            s.recv(100)
            sess = s.session
            return s.version(), s.session_reused, sess


try:
    v1, r1, sess = connect()
    print(f"FIRST {v1} reused={r1} session={'yes' if sess else 'no'}"
          f" has_ticket={sess.has_ticket if sess else None} timeout={sess.timeout if sess else None}")
    v2, r2, sess2 = connect(sess, port2)
    print(f"SECOND {v2} reused={r2} same_id={bool(sess2 and sess2.id == sess.id)}")
except (ssl.SSLError, OSError, ValueError) as e:
    print(f"REFUSED {type(e).__name__}: {e}")
    sys.exit(2)
