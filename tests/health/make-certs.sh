#!/usr/bin/env bash
# Makes the certificates of the health tests in DIR (openssl only):
#   ca.pem / ca.key                    a test CA
#   valid.pem / valid.key              www.example.test, valid now
#   expired.pem / expired.key          www.example.test, expired 2020-10-01
#   wrongname.pem / wrongname.key      other.example.net, valid now
#   other-ca.pem                       a CA that signed none of them
#   capath/                            a system CA folder that trusts ca.pem (hashed
#                                      link and ca-certificates.crt), for a test that
#                                      mounts it over /etc/ssl/certs
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
[ -f wrongname.pem ] && exit 0

cat > ca.cnf <<'CNF'
[ ca ]
default_ca = test
[ test ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = cutover test
CNF
: > index.txt
echo 1000 > serial

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
	-subj "/CN=cutover test CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 30 \
	-subj "/CN=cutover other CA" 2>/dev/null

issue() { # name cn start end
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" \
		-addext "subjectAltName=DNS:$2" 2>/dev/null
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" -out "$1.pem" \
		-startdate "$3" -enddate "$4" -notext 2>/dev/null
}
now=$(date -u +%Y%m%d%H%M%SZ)
later=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
issue valid www.example.test "$now" "$later"
issue expired www.example.test 20200101000000Z 20201001120000Z
issue wrongname other.example.net "$now" "$later"
mkdir -p capath
cp ca.pem capath/ca-certificates.crt
cp ca.pem "capath/$(openssl x509 -hash -noout -in ca.pem).0"
chmod 600 ./*.key
