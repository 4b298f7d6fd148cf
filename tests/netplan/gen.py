#!/usr/bin/env python3
"""Writes a plan and the `ip -batch` file that sets up the routes it switches.

gen.py PLAN BATCH JOURNAL NETNS V4MAIN V4T100 V6T200 [--bad-from N] [--unreachable N]
  V4MAIN routes 10.x.y.0/24 in main:  via 192.0.2.254 dev v0a -> via 198.51.100.254 dev v1a
  V4T100 routes 172.16-31.x.0/24 in table 100, metric 10; every third moves to metric 20
  V6T200 routes 2001:db8:1:N::/64 in table 200: via 2001:db8:a::fe -> via 2001:db8:b::fe
  plus a blackhole added in main and 2001:db8:ffff::/48 unreachable added in table 200.
--bad-from N: change N's `from` names a gateway the kernel does not have.
--unreachable N: change N's `to` names a gateway the kernel cannot reach.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    opts = {}
    while args and args[-2].startswith('--'):
        opts[args[-2]] = int(args[-1])
        args = args[:-2]
    plan, batch, journal, netns = args[:4]
    v4main, v4t100, v6t200 = (int(a) for a in args[4:7])
    routes, lines = [], []
    for i in range(v4main):
        dst = '10.%d.%d.0/24' % (i // 256, i % 256)
        lines.append('route add %s via 192.0.2.254 dev v0a' % dst)
        routes.append({'destination': dst,
                       'from': {'via': '192.0.2.254', 'dev': 'v0a'},
                       'to': {'via': '198.51.100.254', 'dev': 'v1a'}})
    for i in range(v4t100):
        dst = '172.%d.%d.0/24' % (16 + i // 256, i % 256)
        lines.append('route add %s via 192.0.2.254 table 100 metric 10' % dst)
        to = {'via': '198.51.100.254', 'dev': 'v1a', 'protocol': 'bgp'}
        if i % 3 == 0:
            to['metric'] = 20
        routes.append({'destination': dst, 'table': 100, 'metric': 10,
                       'from': {'via': '192.0.2.254'}, 'to': to})
    for i in range(v6t200):
        dst = '2001:db8:1:%x::/64' % i
        lines.append('route add %s via 2001:db8:a::fe table 200' % dst)
        routes.append({'destination': dst, 'table': 200,
                       'from': {'via': '2001:db8:a::fe'},
                       'to': {'via': '2001:db8:b::fe', 'dev': 'v1a'}})
    routes.append({'destination': '10.250.0.0/16', 'to': {'type': 'blackhole'}})
    routes.append({'destination': '2001:db8:ffff::/48', 'table': 200,
                   'to': {'type': 'unreachable'}})
    if '--bad-from' in opts:
        routes[opts['--bad-from']]['from']['via'] = '192.0.2.253'
    if '--unreachable' in opts:
        routes[opts['--unreachable']]['to'] = {'via': '203.0.113.1'}
    doc = {'change': 'CHG-ROUTES-TEST', 'journal': journal,
           'routes': {'hosts': [{'name': 'gw', 'netns': netns, 'routes': routes,
                                 'addresses': [{'address': '10.1.2.3/32',
                                                'from': 'v0a', 'to': 'v1a'}]}]}}
    with open(plan, 'w') as f:
        json.dump(doc, f, indent=1)
    with open(batch, 'w') as f:
        f.write('\n'.join(lines) + '\n')


main()
