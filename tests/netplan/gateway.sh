# Sourced by tests/netplan/routes.sh and bench/route-switch/run.sh.
# make_gateway NS: a namespace that models a gateway host, with v0a/v0b and
# v1a/v1b veth pairs (both ends in it: no dummy driver here), the old next
# hops' subnets on v0a and the new ones' on v1a, and 10.1.2.3/32 on v0a.
# addrgenmode none keeps IPv6 link-local routes out of the comparisons.
make_gateway() {
	local ns=$1 l
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip -n "$ns" link add v0a type veth peer name v0b
	ip -n "$ns" link add v1a type veth peer name v1b
	for l in v0a v0b v1a v1b; do
		ip -n "$ns" link set "$l" addrgenmode none
		ip -n "$ns" link set "$l" up
	done
	ip -n "$ns" addr add 192.0.2.1/24 dev v0a
	ip -n "$ns" addr add 198.51.100.1/24 dev v1a
	ip -n "$ns" addr add 2001:db8:a::1/64 dev v0a nodad
	ip -n "$ns" addr add 2001:db8:b::1/64 dev v1a nodad
	ip -n "$ns" addr add 10.1.2.3/32 dev v0a
}
