#!/usr/bin/env python3
"""The end-to-end benchmark's peer: advanced hunting polled the way the Splunk Add-on for Microsoft
Security does it, in Python with the standard library only.

A token by client credentials, then one POST to Graph's runHuntingQuery per window, the window
starting at the last row's Timestamp of the one before; the whole response read and parsed with
json.loads, and each row written with json.dumps as a line of the output file. It stops once a
window comes back with fewer rows than the cap: caught up to --end.

Rows that share the last row's Timestamp but did not fit in a full window are never asked for again
(the next window starts after that Timestamp), as with the add-on: `defendersim verify -format rows`
reports them as missing.

Prints one line: calls=N rows=N peak_rss_kib=N (the process's peak RSS, getrusage's ru_maxrss).
"""
import argparse
import json
import resource
import ssl
import urllib.parse
import urllib.request

QUERY = """DeviceProcessEvents
| where Timestamp > datetime({start}) and Timestamp <= datetime({end})
| sort by Timestamp asc
| take {cap}"""


def token(args, context):
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": args.client_id,
        "client_secret": args.client_secret,
        "scope": "https://graph.microsoft.com/.default",
    }).encode()
    request = urllib.request.Request(f"{args.url}/{args.tenant}/oauth2/v2.0/token", data=form)
    with urllib.request.urlopen(request, context=context, timeout=60) as response:
        return json.loads(response.read())["access_token"]


def hunt(args, context, access_token, query):
    request = urllib.request.Request(
        f"{args.url}/v1.0/security/runHuntingQuery",
        data=json.dumps({"Query": query}).encode(),
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(request, context=context, timeout=600) as response:
        return json.loads(response.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the simulator's URL (Entra ID and Graph)")
    parser.add_argument("--ca", required=True, help="the simulator's CA certificate")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--start", required=True, help="the first window's start, exclusive")
    parser.add_argument("--end", required=True, help="every window's end, inclusive")
    parser.add_argument("--row-cap", type=int, required=True)
    parser.add_argument("--out", required=True, help="file to write the rows to, one JSON object a line")
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.ca)
    access_token = token(args, context)
    calls = rows = 0
    start = args.start
    with open(args.out, "w", encoding="utf-8") as out:
        while True:
            query = QUERY.format(start=start, end=args.end, cap=args.row_cap)
            results = hunt(args, context, access_token, query)["results"]
            calls += 1
            for row in results:
                out.write(json.dumps(row))
                out.write("\n")
            rows += len(results)
            if len(results) < args.row_cap:
                break
            start = results[-1]["Timestamp"]
    print(f"calls={calls} rows={rows} peak_rss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


if __name__ == "__main__":
    main()
