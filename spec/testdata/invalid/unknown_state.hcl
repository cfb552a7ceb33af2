host "mx" {
  address = "198.18.0.2"
  tcp "listning" { ports = [25] } # ERROR: Unknown state "listning"
  udp "blokced" { ports = [137] } # ERROR: Did you mean "blocked"?
}
