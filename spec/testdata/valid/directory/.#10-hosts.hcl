host "leftover" {
  address = "198.18.0.81"
}
