# shellcheck shell=bash
# Sourced by porting cases after peers.sh: a real HTTPS server as the peer of
# a client under test -- Debian's nginx on the SYSTEM libssl (it is the
# reference here, not the subject; the server cases run nginx over the
# drop-in themselves).
#
#   start_https_peer NAME CERT KEY [PROTOCOLS [EXTRA_SERVER_DIRECTIVES]]
#                              nginx in $tmp/NAME serving, over TLS 1.2/1.3
#                              (or PROTOCOLS, nginx's spelling) with
#                              HTTP/2 (ALPN), a session cache and tickets:
#                                /files/...  static files from $tmp/NAME/www
#                                /up/...     PUT stores under $tmp/NAME/up
#                                /post/NAME  a POST body, stored (through a
#                                            plain-HTTP hop) as up/post/NAME
#                                /tls        "proto cipher alpn sni reused"
#                              sets $port; stopped by peers_cleanup
#   make_file PATH MIB         PATH filled with MIB MiB of random bytes
#   sha() FILE                 its sha256, hex

make_file() {
  head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

start_https_peer() {
  local name=$1 cert=$2 key=$3 protocols=${4:-TLSv1.2 TLSv1.3} extra=${5:-} dir=$tmp/$1 plain
  mkdir -p "$dir/www" "$dir/up" "$dir/logs"
  port=$(free_port)
  plain=$(free_port)
  cat >"$dir/nginx.conf" <<CONF
# The workers must read the case's private temp directory (mode 700).
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
  access_log $dir/logs/access.log;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  client_max_body_size 64m;
  server {
    listen 127.0.0.1:$port ssl http2;
    server_name localhost;
    ssl_certificate $cert;
    ssl_certificate_key $key;
    ssl_protocols $protocols;
    ssl_session_cache shared:$name:1m;
    ssl_session_tickets on;
    keepalive_requests 100;
    $extra
    location /files/ { alias $dir/www/; }
    location /up/ { root $dir; dav_methods PUT; create_full_put_path on; }
    location /post/ {
      proxy_pass http://127.0.0.1:$plain/up/post/;
      proxy_method PUT;
    }
    location = /tls {
      default_type text/plain;
      return 200 "\$ssl_protocol \$ssl_cipher \$ssl_alpn_protocol \$ssl_server_name \$ssl_session_reused\n";
    }
  }
  server {
    listen 127.0.0.1:$plain;
    location /up/ { root $dir; dav_methods PUT; create_full_put_path on; }
  }
}
CONF
  env -u LD_LIBRARY_PATH -u LD_PRELOAD nginx -p "$dir" -c "$dir/nginx.conf" \
    -g 'daemon off;' >"$dir/logs/stdout" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nginx ($name) did not start:"
  cat "$dir/logs/stdout" "$dir/logs/error.log"
  return 1
}
