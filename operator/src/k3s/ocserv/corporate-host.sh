#!/bin/sh
# One HTTP exchange on a connection socat accepted on 10.20.1.10:80. The answer names the address the request
# came from ($SOCAT_PEERADDR): a pod that reached this host through the tunnel sees its VPN address there.
cr=$(printf '\r')
while IFS= read -r line; do
  # The request's header ends at the first empty line; reading it all keeps the close from resetting the connection.
  [ "$line" = "$cr" ] || [ -z "$line" ] && break
done
body="corporate host 10.20.1.10 answers $SOCAT_PEERADDR"
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' \
  "$((${#body} + 1))" "$body"
