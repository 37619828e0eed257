#!/bin/sh
# Starts the test gateway: a throwaway CA and a server certificate naming $GATEWAY_HOST, a password file for
# $VPN_USER, the corporate host 10.20.1.10 (an HTTP responder on this gateway's loopback, so that only packets
# ocserv takes out of a tunnel reach it), then ocserv in the foreground. Needs CAP_NET_ADMIN and /dev/net/tun
# (the suite runs it privileged), as ocserv itself does.
set -eu
: "${GATEWAY_HOST:?the gateway's DNS name, which the server certificate must carry}"
: "${VPN_USER:?the user name to accept}"
: "${VPN_PASSWORD:?that user's password}"

state=/run/corridor-e2e
lib=$(dirname "$(readlink -f "$0")")
mkdir -p "$state"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Corridor e2e CA" -keyout "$state/ca.key" -out "$state/ca.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$GATEWAY_HOST" \
  -keyout "$state/server.key" -out "$state/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$GATEWAY_HOST" >"$state/server.ext"
openssl x509 -req -in "$state/server.csr" -CA "$state/ca.pem" -CAkey "$state/ca.key" -CAcreateserial -days 2 \
  -extfile "$state/server.ext" -out "$state/server.pem" 2>/dev/null
# The CA's key has signed the one certificate it will ever sign.
rm "$state/ca.key" "$state/ca.srl" "$state/server.csr" "$state/server.ext"

printf '%s\n%s\n' "$VPN_PASSWORD" "$VPN_PASSWORD" | ocpasswd -c "$state/passwd" "$VPN_USER"

ip addr add 10.20.1.10/32 dev lo
socat TCP-LISTEN:80,bind=10.20.1.10,reuseaddr,fork EXEC:"$lib/corporate-host.sh" &
# Fail here, with the reason in the pod's log, rather than start a gateway whose corporate host never answers.
tries=0
until curl -fsS --max-time 2 -o /dev/null http://10.20.1.10/ 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 20 ]; then
    echo "gateway.sh: the corporate host 10.20.1.10:80 does not answer" >&2
    exit 1
  fi
  sleep 0.5
done

ocserv -t -c /etc/ocserv/ocserv.conf
echo "gateway.sh: corporate host 10.20.1.10:80 answering; starting ocserv for https://$GATEWAY_HOST/"
exec ocserv --foreground --debug=1 --config=/etc/ocserv/ocserv.conf
