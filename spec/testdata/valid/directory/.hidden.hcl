host "hidden" {
  address = "198.18.0.82"
}
