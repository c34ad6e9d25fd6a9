"""An asyncio TLS echo server, as python programs write one: each line
back as it comes, the connection closed after a line "CLOSE". Run by
cases/python-server.sh over the drop-in. Prints "PORT <n>" once
listening, then serves until killed.

    tls_echo_server.py PORT MODE CERT_CHAIN KEY CA

MODE: plain       PROTOCOL_TLS_SERVER with the certificate, as is
      weak        also minimum_version TLSv1 and ciphers ALL:@SECLEVEL=0
      clientauth  also CERT_REQUIRED with CA as the client CA
"""
import asyncio
import signal
import ssl
import sys

# SIGTERM (the case script's stop) ends the process normally, so that exit
# handlers run (the coverage build's counters are written at exit).
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

port, mode, chain, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
if mode == "weak":
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
elif mode == "clientauth":
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(ca)


async def echo(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            await writer.drain()
            if line.rstrip(b"\r\n") == b"CLOSE":
                break
    except (ssl.SSLError, ConnectionError) as e:
        print("connection ended:", e, flush=True)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ssl.SSLError, ConnectionError):
            pass


async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", port, ssl=ctx)
    print("PORT", port, flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
