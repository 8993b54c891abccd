# scripts/nginx.sh - nginx from Debian on a loopback port, for the tests,
# the benchmarks and the demo.  Sourced (POSIX sh):
#
#   . scripts/nginx.sh
#   nginx_start DIR PORT ROOT [HTTP_LINES [SERVER_LINES]]
#
# writes DIR/nginx/nginx.conf (one process, no daemon, every path under
# DIR/nginx; the error log is DIR/nginx/logs/error.log), serves ROOT on
# 127.0.0.1:PORT with the extra http{} and server{} lines given, starts it
# in the background (NGINX_PID) and waits up to 5 s until it answers.
# Returns 1 (the error log printed) when it does not.  nginx_stop ends it.
# Without an access_log line in HTTP_LINES nothing is logged.
nginx_start() {
    _nd=$1/nginx
    mkdir -p "$_nd/logs" "$_nd/tmp"
    case "${4:-}" in *access_log*) _nlog="" ;; *) _nlog="access_log off;" ;; esac
    cat > "$_nd/nginx.conf" <<NGINX
daemon off;
master_process off;
pid $_nd/nginx.pid;
error_log $_nd/logs/error.log;
events { worker_connections 1024; }
http {
    $_nlog
    client_body_temp_path $_nd/tmp/body;
    proxy_temp_path $_nd/tmp/proxy;
    fastcgi_temp_path $_nd/tmp/fastcgi;
    uwsgi_temp_path $_nd/tmp/uwsgi;
    scgi_temp_path $_nd/tmp/scgi;
    types { text/html html; text/plain txt; }
    ${4:-}
    server {
        listen 127.0.0.1:$2;
        root $3;
        ${5:-}
    }
}
NGINX
    PATH="$PATH:/usr/sbin" nginx -p "$_nd" -e "$_nd/logs/error.log" -c "$_nd/nginx.conf" &
    NGINX_PID=$!
    _nn=0
    until curl -s -o /dev/null "http://127.0.0.1:$2/"; do
        _nn=$((_nn + 1))
        if [ $_nn -gt 50 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
            echo "nginx did not start on 127.0.0.1:$2" >&2
            cat "$_nd/logs/error.log" >&2
            return 1
        fi
        sleep 0.1
    done
}

nginx_stop() {
    [ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    NGINX_PID=""
}
