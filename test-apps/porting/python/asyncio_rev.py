"""asyncio TLS (memory BIOs and ssl.SSLObject underneath) against an
`openssl s_server -rev` peer: LINES lines of random text out, each must come
back reversed. Prints "INTACT <lines> <bytes> <version>" or "MISMATCH ..." or
"REFUSED <exception type>: <message>".

    asyncio_rev.py MODE HOST PORT LINES [CAFILE]     MODE: default|unverified
"""
import asyncio
import os
import ssl
import sys

mode, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cafile = sys.argv[5] if len(sys.argv) > 5 else None


async def main():
    if mode == "unverified":
        ctx = ssl._create_unverified_context()
    else:
        ctx = ssl.create_default_context(cafile=cafile)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, server_hostname=host), 30)
    except (ssl.SSLError, OSError) as e:
        print(f"REFUSED {type(e).__name__}: {e}")
        return 2
    lines = [os.urandom(1500).hex() for _ in range(count)]
    # Writes and reads interleave: the peer answers each line as it comes.
    bad = 0
    for line in lines:
        writer.write((line + "\n").encode())
        await writer.drain()
        got = (await asyncio.wait_for(reader.readline(), 30)).decode().rstrip("\n")
        bad += got != line[::-1]
    version = writer.get_extra_info("ssl_object").version()
    writer.write(b"CLOSE\n")
    await writer.drain()
    writer.close()
    try:
        await writer.wait_closed()
    except (ssl.SSLError, OSError):
        pass  # the peer may close without close_notify after CLOSE
    total = sum(len(line) + 1 for line in lines)
    print(f"INTACT {count} {total} {version}" if bad == 0 else f"MISMATCH {bad} of {count}")
    return 0 if bad == 0 else 1


sys.exit(asyncio.run(main()))
