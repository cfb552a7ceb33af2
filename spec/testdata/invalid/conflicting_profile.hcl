profile "locked_down" {
  tcp "blocked" { ports = ["1-1024"] }
}

host "web" {
  address  = "198.18.0.4"
  profiles = ["locked_down"]
  tcp "listening" { ports = [443] } # ERROR: but blocked in another block (profile "locked_down"); previous definition was at conflicting_profile.hcl:2:3
}
