# Deny by default with "others": the listening block applies from app only,
# so from app "others" is every port but 5432 and 22, and from no vantage
# every port but 22. Tags do not change what others leaves.
host "db" {
  address = "198.18.0.10"
  tcp "listening" {
    ports = ["ssh"]
    tags  = ["smoke"]
  }
  tcp "listening" {
    ports = ["postgresql"]
    from  = ["app"]
  }
  tcp "blocked" { ports = ["others"] }
  udp "listening" { ports = ["ntp"] }
  udp "blocked" { ports = ["others"] }
}
