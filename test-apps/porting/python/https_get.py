"""urllib.request HTTPS GET of one URL, verified against a CA file; the body
goes to OUTFILE. Prints "GET <status> <bytes>" or the exception.

    https_get.py URL CAFILE OUTFILE
"""
import ssl
import sys
import urllib.request

url, cafile, outfile = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=cafile)
try:
    with urllib.request.urlopen(url, context=ctx, timeout=60) as resp, open(outfile, "wb") as out:
        n = 0
        while chunk := resp.read(1 << 16):
            out.write(chunk)
            n += len(chunk)
        print("GET", resp.status, n)
except Exception as e:  # the case script reports what python said
    print("ERROR", type(e).__name__, e)
    sys.exit(1)
