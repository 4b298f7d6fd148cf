#!/usr/bin/python3
"""bench/landing/floor.py ENDPOINT ZONE CIDR_PREFIX

The sequential floor: the three-tier zone's 39 create calls sent by one
client, one after another, on one keep-alive connection, without tags and
without a journal. Prints the wall time in seconds. CIDR_PREFIX is the first
two octets of the subnets' /24s ("10.80").
"""
import http.client
import json
import sys
import time
import urllib.parse


def main():
    endpoint, zone, pfx = sys.argv[1], sys.argv[2], sys.argv[3]
    u = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    hdr = {"Content-Type": "application/json", "Accept": "application/json"}
    marker = "cutover:" + zone

    def call(method, path, body):
        conn.request(method, "/v2.0/" + path, json.dumps(body), hdr)
        r = conn.getresponse()
        data = r.read()
        if r.status >= 300:
            sys.exit("%s %s: %d %s" % (method, path, r.status, data[:300]))
        return json.loads(data) if data else {}

    def make(coll, one, **fields):
        fields.setdefault("description", marker)
        return call("POST", coll, {one: fields})[one]["id"]

    ext = call("GET", "networks?router%3Aexternal=true", None)["networks"][0]["id"]
    t0 = time.monotonic()
    biz = make("networks", "network", name=zone + "-biz")
    mgmt = make("networks", "network", name=zone + "-mgmt")
    sub = {}
    for name, net, third in [("access-a", biz, 1), ("access-b", biz, 2), ("app-a", biz, 11),
                             ("app-b", biz, 12), ("data-a", biz, 21), ("data-b", biz, 22),
                             ("bastion", mgmt, 201)]:
        sub[name] = make("subnets", "subnet", name=zone + "-" + name, network_id=net,
                         cidr="%s.%d.0/24" % (pfx, third), ip_version=4)
    router = make("routers", "router", name=zone + "-edge",
                  external_gateway_info={"network_id": ext, "enable_snat": True})
    for s in sub.values():
        call("PUT", "routers/%s/add_router_interface" % router, {"subnet_id": s})
    sg = {g: make("security-groups", "security_group", name=zone + "-" + g)
          for g in ("access", "app", "data", "bastion")}

    def rule(g, port, remote=None, group=None, proto="tcp", direction="ingress"):
        f = {"security_group_id": sg[g], "direction": direction, "ethertype": "IPv4",
             "protocol": proto, "description": marker}
        if port:
            f["port_range_min"], f["port_range_max"] = port
        if remote:
            f["remote_ip_prefix"] = remote
        if group:
            f["remote_group_id"] = sg[group]
        call("POST", "security-group-rules", {"security_group_rule": f})

    rule("access", (443, 443), "0.0.0.0/0")
    rule("access", (80, 80), "0.0.0.0/0")
    rule("access", (22, 22), group="bastion")
    rule("app", (8080, 8089), group="access")
    rule("app", (22, 22), group="bastion")
    rule("app", (8080, 8089), "192.168.0.0/16")
    rule("data", (5432, 5432), group="app")
    rule("data", (22, 22), group="bastion")
    rule("data", (5432, 5432), "192.168.0.0/16")
    rule("bastion", (22, 22), "192.168.0.0/16")
    rule("bastion", None, "192.168.0.0/16", proto="icmp")
    rule("bastion", (22, 22), "10.0.0.0/8", direction="egress")
    pol = {"encryption_algorithm": "aes-256", "auth_algorithm": "sha256", "pfs": "group14"}
    ike = make("vpn/ikepolicies", "ikepolicy", name=zone + "-ike", ike_version="v2",
               lifetime={"units": "seconds", "value": 28800}, **pol)
    ipsec = make("vpn/ipsecpolicies", "ipsecpolicy", name=zone + "-ipsec",
                 lifetime={"units": "seconds", "value": 3600}, **pol)
    local = make("vpn/endpoint-groups", "endpoint_group", name=zone + "-local", type="subnet",
                 endpoints=[sub[s] for s in ("app-a", "app-b", "data-a", "data-b", "bastion")])
    peer = make("vpn/endpoint-groups", "endpoint_group", name=zone + "-peer", type="cidr",
                endpoints=["192.168.0.0/16", "172.16.0.0/12"])
    svc = make("vpn/vpnservices", "vpnservice", name=zone + "-service", router_id=router)
    make("vpn/ipsec-site-connections", "ipsec_site_connection", name=zone + "-connection",
         vpnservice_id=svc, ikepolicy_id=ike, ipsecpolicy_id=ipsec, local_ep_group_id=local,
         peer_ep_group_id=peer, peer_address="198.51.100.10", peer_id="198.51.100.10",
         psk="bench-psk-not-secret", mtu=1500)
    print("%.3f" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
