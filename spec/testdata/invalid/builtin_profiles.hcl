profile "builtin/web_server" { # ERROR: may not contain a slash
  tcp "listening" { ports = [80] }
}

host "web" {
  address  = "198.18.0.2"
  profiles = ["builtin/web_servers"] # ERROR: Did you mean "builtin/web_server"?
}

host "both" {
  address  = "198.18.0.3"
  profiles = ["builtin/ssh_only_linux"]
  tcp "blocked" { ports = ["others"] } # ERROR: Two tcp blocks of "others"
}
