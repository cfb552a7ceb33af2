host "web" {
  address  = "198.18.0.80"
  profiles = ["web"]
}
