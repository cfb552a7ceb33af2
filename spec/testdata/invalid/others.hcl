# "others" stands alone, and one others block a host, protocol and vantage.
host "mixed" {
  address = "198.18.0.2"
  tcp "blocked" { ports = ["others", 22] } # ERROR: "others" stands alone
}

host "twice" {
  address = "198.18.0.3"
  tcp "blocked" { ports = ["others"] }
  tcp "filtered" { ports = ["others"] } # ERROR: previous definition was at others.hcl:9:27
  udp "blocked" { ports = ["others"] }
}

profile "deny_rest" {
  tcp "blocked" { ports = ["others"] }
}

host "profile_and_own" {
  address  = "198.18.0.4"
  profiles = ["deny_rest"]
  tcp "filtered" { ports = ["others"] } # ERROR: Two tcp blocks of "others"
}

host "per_vantage" {
  address = "198.18.0.5"
  tcp "blocked" {
    ports = ["others"]
    from  = ["app"]
  }
  tcp "filtered" {
    ports = ["others"]
    from  = ["dmz"]
  }
  tcp "not_listening" {
    ports = ["others"] # ERROR: previous definition was at others.hcl:31:13
    from  = ["dmz", "lan"]
  }
}
