host "db" {
  address = "198.18.0.3"
  tcp "listening" { ports = [5432] }
  tcp "filtered" { ports = ["5000-6000"] } # ERROR: previous definition was at conflicting_states.hcl:3:3
}
