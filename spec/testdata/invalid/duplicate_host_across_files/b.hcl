host "mx" { # ERROR: previous definition was at duplicate_host_across_files/a.hcl:1:1
  address = "198.18.0.9"
  tcp "listening" { ports = [25] }
}
