#!/usr/bin/env bash
# A PKCS12 trust store holding every certificate of a PEM bundle, for Connector/J's trustCertificateKeyStoreUrl:
# the Dockerfile's build stage runs it on the RDS CA bundle (global-bundle.pem), DatabaseTlsTest on a test CA.
#
#   deploy/rds-truststore.sh BUNDLE.pem OUT.p12 PASSWORD        (keytool from PATH, or from $KEYTOOL)
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 BUNDLE.pem OUT.p12 PASSWORD" >&2; exit 2; }
bundle=$1 out=$2 password=$3
keytool=${KEYTOOL:-keytool}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# one file per certificate (keytool -importcert reads only the first certificate of a file)
awk -v dir="$work" '
  /-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/ca-%04d.pem", dir, n); inside = 1 }
  inside { print > file }
  /-----END CERTIFICATE-----/ { inside = 0; close(file) }
' "$bundle"
count=0
for cert in "$work"/ca-*.pem; do
  [ -e "$cert" ] || break
  count=$((count + 1))
  "$keytool" -importcert -noprompt -alias "ca-$count" -file "$cert" -storetype PKCS12 -keystore "$out" \
    -storepass "$password" >/dev/null
done
[ "$count" -gt 0 ] || { echo "$0: no certificate in $bundle" >&2; exit 1; }
echo "$out: $count CA certificates from $bundle"
