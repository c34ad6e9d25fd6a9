#!/usr/bin/env bash
# Generate the core tests' PKI into DIR with the openssl command only.
#
#   make-pki.sh DIR
#
# Everything is PEM. Keys are EC P-256 unless the point is RSA.
#
#   ca.crt/ca.key             root "SSA Test Root"
#   int.crt/int.key           intermediate "SSA Test Intermediate" (CA:true, pathlen:0)
#   other-ca.crt/other-ca.key an unrelated root "SSA Other Root"
#   roots.pem                 ca.crt only: the trust store the tests use
#   hashdir/                  ca.crt, hashed with `openssl rehash`: a directory trust store
#
# Leaves, each as <name>.crt (leaf only), <name>-chain.pem (leaf, then its
# issuer unless that is the root: intermediate for most, other-ca for the
# other-ca leaves, nothing for selfsigned) and <name>.key; signed by the
# intermediate unless noted:
#
#   good          CN localhost; SAN DNS:localhost, DNS:good.test, IP:127.0.0.1, IP:::1
#   wronghost     SAN DNS:wrong.test only
#   wildcard      SAN DNS:*.wild.test
#   ipsan         SAN IP:127.0.0.1 only
#   cnonly        CN cnonly.test, no SAN extension
#   expired       SAN localhost, valid 2020-01-01 .. 2021-01-01
#   notyet        SAN localhost, valid 2035-01-01 .. 2036-01-01
#   selfsigned    SAN localhost, self-signed (chain file = the leaf)
#   untrusted     SAN localhost, signed by other-ca
#   badeku        SAN localhost, EKU clientAuth only
#   rsa1024       SAN localhost, RSA 1024-bit key
#   rsa2048       SAN localhost, RSA 2048-bit key
#   client        CN "SSA Test Client", EKU clientAuth
#   client-other  CN "SSA Test Other Client", EKU clientAuth, signed by other-ca
#   sha1          SAN localhost, signed by the intermediate with SHA-1
#   sha1-int      an intermediate "SSA Test SHA-1 Intermediate" signed by the root
#                 with SHA-1 (its own signatures use SHA-256)
#   via-sha1-int  SAN localhost, signed (SHA-256) by sha1-int
#   md5-self.crt  self-signed RSA, md5WithRSAEncryption (ECDSA has no MD5), for
#                 reading a signature's hash
#   certsign      SAN localhost, keyUsage keyCertSign only (no TLS use)
#   client-certsign  CN "SSA Test Client", EKU clientAuth, keyUsage keyCertSign only
#   critext       SAN localhost, plus an unknown extension marked critical
#
# Chains that break a rule above the leaf (chain files as noted):
#
#   weak-ca.crt/.key          root "SSA Weak Root", RSA 1024-bit key
#   weakroot      SAN localhost (EC), signed by weak-ca; chain file = the leaf
#   samename      as weakroot, but named like its issuer and without an
#                 authority key id, so that it looks self-issued
#   samename-akid as samename, with an authority key id (wolfSSL's lookup
#                 still takes it for self-signed, by its names)
#   nocertsign-int.crt/.key   CA:true, but keyUsage without keyCertSign, under ca
#   badcaku       SAN localhost, signed by nocertsign-int
#   plen0-ca.crt/.key         root "SSA PathLen0 Root", CA:true, pathlen:0
#   plen0-int1, plen0-int2    CAs without pathlen: plen0-ca -> int1 -> int2
#   plen0-direct  SAN localhost, signed by plen0-ca (allowed); chain = the leaf
#   plen0-one     SAN localhost, signed by plen0-int1; chain = leaf, int1
#   plen0-two     SAN localhost, signed by plen0-int2; chain = leaf, int2, int1
#   int-and-root.pem          int.crt then ca.crt: an intermediate plus its root
#   fake-ca.crt/.key          a root with ca.crt's name and key identifier, but
#                             another key; int-and-fake.pem: int.crt, fake-ca.crt
#
# Server leaves carry EKU serverAuth (badeku excepted) and are valid for one
# year from now unless noted. The roots and the intermediate are valid
# 2019 .. 2049 so that the dated leaves nest inside their issuers' validity.
# Quiet on success; on failure, names the step and shows openssl's output.
set -Eeuo pipefail

if [ $# -ne 1 ]; then
  echo "usage: make-pki.sh DIR" >&2
  exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd)
cd "$dir"

fail() {
  echo "make-pki.sh: $*" >&2
  exit 1
}
trap 'fail "unexpected failure at line $LINENO (output in $dir)"' ERR

# Run a command quietly; on failure show the command and everything it said.
run() {
  local out
  if ! out=$("$@" 2>&1); then
    printf 'make-pki.sh: failed: %s\n%s\n' "$*" "$out" >&2
    exit 1
  fi
}

command -v openssl >/dev/null || fail "the openssl command is not installed"

ca_start=20190101000000Z
ca_end=20491231235959Z

# A minimal `openssl ca` setup: one database for every issuer (serials are
# then unique across the whole PKI); extensions come from ext.cnf.
mkdir -p ca-db/new
: >ca-db/index.txt
echo 1000 >ca-db/serial
cat >ca.cnf <<EOF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir              = $dir/ca-db
database         = \$dir/index.txt
serial           = \$dir/serial
new_certs_dir    = \$dir/new
default_md       = sha256
default_days     = 365
policy           = policy_any
unique_subject   = no
preserve         = yes
email_in_dn      = no
copy_extensions  = none

[ policy_any ]
organizationName = optional
commonName       = supplied
EOF

cat >ext.cnf <<'EOF'
[ root ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ intermediate ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ good ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost, DNS:good.test, IP:127.0.0.1, IP:::1

[ wronghost ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:wrong.test

[ wildcard ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:*.wild.test

[ ipsan ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = IP:127.0.0.1

[ cnonly ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ localhost ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost

[ localhost_selfsigned ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
subjectAltName         = DNS:localhost

[ localhost_rsa ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost

[ badeku ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost

[ client ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ root_pathlen0 ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ca_no_pathlen ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ca_without_certsign ]
basicConstraints       = critical, CA:true
keyUsage               = critical, digitalSignature, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ certsign_only ]
basicConstraints       = critical, CA:false
keyUsage               = critical, keyCertSign
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost

[ client_certsign_only ]
basicConstraints       = critical, CA:false
keyUsage               = critical, keyCertSign
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ localhost_no_akid ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = none
subjectAltName         = DNS:localhost

[ unknown_critical ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost
1.3.6.1.4.1.55555.1.1  = critical, ASN1:UTF8String:SSA test extension nobody knows
EOF

# newreq NAME SUBJECT [KEYALG]: NAME.key (fresh key) and NAME.csr.
newreq() {
  local name=$1 subj=$2 alg=${3:-ec}
  local -a keyopts
  case $alg in
    ec) keyopts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    rsa*) keyopts=(-newkey "rsa:${alg#rsa}") ;;
    *) fail "unknown key type $alg" ;;
  esac
  run openssl req -new "${keyopts[@]}" -nodes -keyout "$name.key" \
    -subj "$subj" -out "$name.csr"
  chmod 600 "$name.key"
}

# sign NAME ISSUER EXTSECTION [openssl ca options...]: NAME.crt from NAME.csr.
# ISSUER "self" makes a self-signed certificate.
sign() {
  local name=$1 issuer=$2 ext=$3
  shift 3
  local -a issuer_opts
  if [ "$issuer" = self ]; then
    issuer_opts=(-selfsign -keyfile "$name.key")
  else
    issuer_opts=(-cert "$issuer.crt" -keyfile "$issuer.key")
  fi
  run openssl ca -batch -notext -config ca.cnf "${issuer_opts[@]}" \
    -extfile ext.cnf -extensions "$ext" -in "$name.csr" -out "$name.crt" "$@"
  rm -f "$name.csr"
}

# chain NAME [ISSUER]: NAME-chain.pem = leaf, then the issuer if given.
chain() {
  if [ $# -gt 1 ]; then
    cat "$1.crt" "$2.crt" >"$1-chain.pem"
  else
    cat "$1.crt" >"$1-chain.pem"
  fi
}

# leaf NAME SUBJECT EXTSECTION ISSUER [KEYALG [openssl ca options...]]
leaf() {
  local name=$1 subj=$2 ext=$3 issuer=$4 alg=${5:-ec}
  shift 4
  if [ $# -gt 0 ]; then shift; fi
  newreq "$name" "$subj" "$alg"
  sign "$name" "$issuer" "$ext" "$@"
  if [ "$issuer" = self ] || [ "$issuer" = ca ]; then
    chain "$name"
  else
    chain "$name" "$issuer"
  fi
}

# Roots and the intermediate.
newreq ca "/O=SSA Test/CN=SSA Test Root"
sign ca self root -startdate "$ca_start" -enddate "$ca_end"
newreq other-ca "/O=SSA Other/CN=SSA Other Root"
sign other-ca self root -startdate "$ca_start" -enddate "$ca_end"
newreq int "/O=SSA Test/CN=SSA Test Intermediate"
sign int ca intermediate -startdate "$ca_start" -enddate "$ca_end"

# Leaves.
leaf good "/O=SSA Test/CN=localhost" good int
leaf wronghost "/O=SSA Test/CN=wrong.test" wronghost int
leaf wildcard "/O=SSA Test/CN=*.wild.test" wildcard int
leaf ipsan "/O=SSA Test/CN=SSA Test IP Address" ipsan int
leaf cnonly "/O=SSA Test/CN=cnonly.test" cnonly int
leaf expired "/O=SSA Test/CN=localhost" localhost int ec \
  -startdate 20200101000000Z -enddate 20210101000000Z
leaf notyet "/O=SSA Test/CN=localhost" localhost int ec \
  -startdate 20350101000000Z -enddate 20360101000000Z
leaf selfsigned "/O=SSA Test/CN=localhost" localhost_selfsigned self
leaf untrusted "/O=SSA Other/CN=localhost" localhost other-ca
leaf badeku "/O=SSA Test/CN=localhost" badeku int
leaf rsa1024 "/O=SSA Test/CN=localhost" localhost_rsa int rsa1024
leaf rsa2048 "/O=SSA Test/CN=localhost" localhost_rsa int rsa2048
leaf client "/O=SSA Test/CN=SSA Test Client" client int
leaf client-other "/O=SSA Other/CN=SSA Test Other Client" client other-ca
leaf certsign "/O=SSA Test/CN=localhost" certsign_only int
leaf client-certsign "/O=SSA Test/CN=SSA Test Client" client_certsign_only int
leaf critext "/O=SSA Test/CN=localhost" unknown_critical int

# Chains that break a rule above the leaf. The weak root's leaf and the
# pathlen:0 root's direct leaf are served alone: the root is the anchor.
newreq weak-ca "/O=SSA Weak/CN=SSA Weak Root" rsa1024
sign weak-ca self root -startdate "$ca_start" -enddate "$ca_end"
leaf weakroot "/O=SSA Weak/CN=localhost" localhost weak-ca
chain weakroot
leaf samename "/O=SSA Weak/CN=SSA Weak Root" localhost_no_akid weak-ca
chain samename
leaf samename-akid "/O=SSA Weak/CN=SSA Weak Root" localhost weak-ca
chain samename-akid
newreq nocertsign-int "/O=SSA Test/CN=SSA Test CA Without keyCertSign"
sign nocertsign-int ca ca_without_certsign -startdate "$ca_start" -enddate "$ca_end"
leaf badcaku "/O=SSA Test/CN=localhost" localhost nocertsign-int
newreq plen0-ca "/O=SSA PathLen/CN=SSA PathLen0 Root"
sign plen0-ca self root_pathlen0 -startdate "$ca_start" -enddate "$ca_end"
newreq plen0-int1 "/O=SSA PathLen/CN=SSA PathLen Intermediate 1"
sign plen0-int1 plen0-ca ca_no_pathlen -startdate "$ca_start" -enddate "$ca_end"
newreq plen0-int2 "/O=SSA PathLen/CN=SSA PathLen Intermediate 2"
sign plen0-int2 plen0-int1 ca_no_pathlen -startdate "$ca_start" -enddate "$ca_end"
leaf plen0-direct "/O=SSA PathLen/CN=localhost" localhost plen0-ca
chain plen0-direct
leaf plen0-one "/O=SSA PathLen/CN=localhost" localhost plen0-int1
leaf plen0-two "/O=SSA PathLen/CN=localhost" localhost plen0-int2
cat plen0-two.crt plen0-int2.crt plen0-int1.crt >plen0-two-chain.pem
cat int.crt ca.crt >int-and-root.pem
# A look-alike of the root: same name, same subject key identifier, its own key.
ca_skid=$(openssl x509 -in ca.crt -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
[ -n "$ca_skid" ] || fail "ca.crt has no subject key identifier"
printf '\n[ root_lookalike ]\n%s\n%s\n%s\n' \
  "basicConstraints       = critical, CA:true" \
  "keyUsage               = critical, keyCertSign, cRLSign" \
  "subjectKeyIdentifier   = $ca_skid" >>ext.cnf
newreq fake-ca "/O=SSA Test/CN=SSA Test Root"
sign fake-ca self root_lookalike -startdate "$ca_start" -enddate "$ca_end"
cat int.crt fake-ca.crt >int-and-fake.pem

# Weak signature hashes (min_signature_hash).
leaf sha1 "/O=SSA Test/CN=localhost" localhost int ec -md sha1
newreq sha1-int "/O=SSA Test/CN=SSA Test SHA-1 Intermediate"
sign sha1-int ca intermediate -startdate "$ca_start" -enddate "$ca_end" -md sha1
leaf via-sha1-int "/O=SSA Test/CN=localhost" localhost sha1-int
run openssl req -x509 -newkey rsa:2048 -nodes -keyout md5-self.key -out md5-self.crt \
  -subj "/CN=SSA Test MD5" -days 30 -md5

# Trust stores: a file and a hashed directory.
cp ca.crt roots.pem
rm -rf hashdir
mkdir hashdir
cp ca.crt hashdir/ca.crt
run openssl rehash hashdir
