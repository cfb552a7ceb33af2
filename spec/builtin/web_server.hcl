# A web server.
#
# Sources: RFC 9110 (HTTP semantics) for http on tcp/80 and https on
# tcp/443; IANA's service name and port number registry.

profile "web_server" {
  description = "Web server: HTTP and HTTPS"

  tcp "listening" {
    ports = ["http", "https"]
  }
}
